namespace R2Sync.Engine.Configuration;

/// <summary>One effective setting and where it came from.</summary>
public sealed record SettingValue(string Name, string? Value, string Source, bool IsSecret = false)
{
    public string? Display => IsSecret ? Secret.Mask(Value) : Value;
}

/// <summary>Raised when a required setting is missing; names the parameter and the variable that provide it.</summary>
public sealed class MissingSettingException : Exception
{
    public MissingSettingException(string setting, string parameter, string variable, string? hint = null)
        : base($"No {setting} is set. Pass -{parameter}, or set the environment variable {variable} (or put it in a .env file)"
               + (hint is null ? "" : $"; {hint}") + ", or run Initialize-R2Sync once to save a profile.")
    {
        Setting = setting;
        Parameter = parameter;
        Variable = variable;
    }

    public string Setting { get; }
    public string Parameter { get; }
    public string Variable { get; }
}

/// <summary>Raised for a setting with an unusable value (a malformed endpoint, say).</summary>
public sealed class InvalidSettingException : ArgumentException
{
    public InvalidSettingException(string setting, string value, string reason, string source)
        : base($"The {setting} '{value}' (from {source}) is not valid: {reason}.")
    {
        Setting = setting;
        Value = value;
    }

    public string Setting { get; }
    public string Value { get; }
}

/// <summary>What the caller passed explicitly (parameters); null means "not given".</summary>
public sealed class SettingsInput
{
    public string? Endpoint { get; set; }
    public string? Bucket { get; set; }
    public string? Prefix { get; set; }
    public string? AccessKeyId { get; set; }
    public Secret? SecretAccessKey { get; set; }
    public string? Region { get; set; }
    /// <summary>The credentials-file profile (-ProfileName).</summary>
    public string? ProfileName { get; set; }
}

/// <summary>The effective settings of a run, with where each came from.</summary>
public sealed class ResolvedSettings
{
    public required string Endpoint { get; init; }
    public required string Bucket { get; init; }
    public required string Prefix { get; init; }
    public string? AccessKeyId { get; init; }
    public Secret? SecretAccessKey { get; init; }
    public string Region { get; init; } = "auto";
    public IReadOnlyList<SettingValue> Sources { get; init; } = Array.Empty<SettingValue>();
    /// <summary>The project file (r2sync.json) in effect, if any.</summary>
    public ProjectFile? Project { get; init; }
    /// <summary>The credentials-file profile that was consulted.</summary>
    public string ProfileName { get; init; } = CredentialsFile.DefaultProfile;

    public Storage.StoreOptions ToStoreOptions(int maxConnections = 32, int retryCount = 5) => new()
    {
        Endpoint = Endpoint,
        Bucket = Bucket,
        AccessKeyId = AccessKeyId,
        SecretAccessKey = SecretAccessKey,
        Region = Region,
        MaxConnections = maxConnections,
        RetryCount = retryCount,
    };
}

/// <summary>
/// Resolves settings: parameters, then environment (R2_* first, AWS_* as fallbacks), then the nearest .env file.
/// </summary>
public static class SettingsResolver
{
    public const string DefaultPrefix = "experiments/";

    private sealed record Spec(string Name, string Parameter, string[] Variables, bool Secret);

    private static readonly Spec EndpointSpec = new("endpoint", "Endpoint", new[] { "R2_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL" }, false);
    private static readonly Spec BucketSpec = new("bucket", "Bucket", new[] { "R2_BUCKET_NAME" }, false);
    private static readonly Spec PrefixSpec = new("prefix", "Prefix", new[] { "R2_PREFIX" }, false);
    private static readonly Spec KeySpec = new("access key id", "Credential", new[] { "R2_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID" }, false);
    private static readonly Spec SecretSpec = new("secret access key", "Credential", new[] { "R2_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY" }, true);
    private static readonly Spec RegionSpec = new("region", "Region", new[] { "R2_REGION" }, false);
    private static readonly Spec ProfileSpec = new("profile", "ProfileName", new[] { "R2_PROFILE" }, false);

    /// <summary>Every setting and where it came from, without validation (Get-R2SyncConfiguration).</summary>
    public sealed class Collected
    {
        public required SettingValue Endpoint { get; init; }
        public required SettingValue Bucket { get; init; }
        public required SettingValue Prefix { get; init; }
        public required SettingValue AccessKeyId { get; init; }
        public required SettingValue SecretAccessKey { get; init; }
        public required SettingValue Region { get; init; }
        public required SettingValue Profile { get; init; }
        public ProjectFile? Project { get; init; }
        public required List<SettingValue> All { get; init; }
    }

    /// <summary>
    /// Collects every setting by precedence: parameter &gt; environment &gt; .env &gt; project file (r2sync.json) &gt;
    /// saved user settings (config.json, and the profile's keys in the AWS credentials file). The home-based layers are
    /// found through HOME, XDG_CONFIG_HOME and AWS_SHARED_CREDENTIALS_FILE in <paramref name="environment"/> only.
    /// </summary>
    public static Collected Collect(SettingsInput input, IReadOnlyDictionary<string, string?> environment, string? currentDirectory)
    {
        Dictionary<string, string>? dotenv = null;
        string? dotenvPath = currentDirectory is null ? null : DotEnv.Find(currentDirectory);
        if (dotenvPath is not null)
        {
            try { dotenv = DotEnv.Parse(File.ReadAllText(dotenvPath)); }
            catch (IOException) { dotenv = null; }
            catch (UnauthorizedAccessException) { dotenv = null; }
        }
        var projectPath = currentDirectory is null ? null : ProjectFile.Find(currentDirectory);
        var project = projectPath is null ? null : ProjectFile.Load(projectPath);
        var userPath = UserConfig.PathFor(environment);
        var user = UserConfig.Load(userPath);

        var sources = new List<SettingValue>();
        SettingValue Pick(Spec s, string? param, Func<(string?, string)?>? saved = null)
        {
            if (!string.IsNullOrEmpty(param)) return Add(new SettingValue(s.Name, param, "parameter -" + s.Parameter, s.Secret));
            foreach (var v in s.Variables)
                if (environment.TryGetValue(v, out var ev) && !string.IsNullOrEmpty(ev))
                    return Add(new SettingValue(s.Name, ev, "environment " + v, s.Secret));
            if (dotenv is not null)
                foreach (var v in s.Variables)
                    if (dotenv.TryGetValue(v, out var dv) && !string.IsNullOrEmpty(dv))
                        return Add(new SettingValue(s.Name, dv, $".env {dotenvPath} ({v})", s.Secret));
            if (saved?.Invoke() is ({ Length: > 0 } value, var where))
                return Add(new SettingValue(s.Name, value, where, s.Secret));
            return Add(new SettingValue(s.Name, null, "not set", s.Secret));
        }
        SettingValue Add(SettingValue v) { sources.Add(v); return v; }

        (string?, string)? Layered(string? fromProject, string? fromUser) =>
            !string.IsNullOrEmpty(fromProject) ? (fromProject, $"project file {projectPath}")
            : !string.IsNullOrEmpty(fromUser) ? (fromUser, $"user settings {userPath}") : null;

        var endpoint = Pick(EndpointSpec, input.Endpoint, () => Layered(project?.Endpoint, user?.Endpoint));
        var bucket = Pick(BucketSpec, input.Bucket, () => Layered(project?.Bucket, user?.Bucket));
        var prefix = Pick(PrefixSpec, input.Prefix, () => Layered(project?.Prefix, user?.Prefix));
        var profile = Pick(ProfileSpec, input.ProfileName, () => Layered(null, user?.Profile));
        var profileName = profile.Value ?? CredentialsFile.DefaultProfile;
        var credPath = CredentialsFile.PathFor(environment);
        (string AccessKeyId, Secret SecretAccessKey)? keys = null;
        bool keysRead = false;
        (string AccessKeyId, Secret SecretAccessKey)? Keys()
        {
            if (!keysRead) { keys = CredentialsFile.Read(credPath, profileName); keysRead = true; }
            return keys;
        }
        var where = $"profile [{profileName}] in {credPath}";
        // The profile supplies the keys only as a pair: an access key id from one place is never signed with a
        // secret from another.
        var key = Pick(KeySpec, input.AccessKeyId);
        var secret = Pick(SecretSpec, input.SecretAccessKey?.Reveal());
        if (key.Value is null && secret.Value is null && Keys() is { } pair)
        {
            key = Replace(sources, key, key with { Value = pair.AccessKeyId, Source = where });
            secret = Replace(sources, secret, secret with { Value = pair.SecretAccessKey.Reveal(), Source = where });
        }
        var region = Pick(RegionSpec, input.Region);
        if (prefix.Value is null) prefix = Replace(sources, prefix, prefix with { Value = DefaultPrefix, Source = "default" });
        if (region.Value is null) region = Replace(sources, region, region with { Value = "auto", Source = "default" });
        if (profile.Value is null) profile = Replace(sources, profile, profile with { Value = CredentialsFile.DefaultProfile, Source = "default" });
        return new Collected
        {
            Endpoint = endpoint, Bucket = bucket, Prefix = prefix, AccessKeyId = key, SecretAccessKey = secret,
            Region = region, Profile = profile, Project = project, All = sources,
        };
    }

    private static SettingValue Replace(List<SettingValue> list, SettingValue old, SettingValue now)
    {
        list[list.IndexOf(old)] = now;
        return now;
    }

    /// <param name="input">Explicit parameters.</param>
    /// <param name="environment">Environment variables (name → value); HOME and friends locate the saved settings.</param>
    /// <param name="currentDirectory">Where to start looking for .env and r2sync.json; null to skip both.</param>
    public static ResolvedSettings Resolve(SettingsInput input, IReadOnlyDictionary<string, string?> environment, string? currentDirectory)
    {
        var c = Collect(input, environment, currentDirectory);
        var endpoint = c.Endpoint;
        var bucket = c.Bucket;
        var key = c.AccessKeyId;
        var secret = c.SecretAccessKey;

        if (endpoint.Value is null) throw new MissingSettingException("endpoint", "Endpoint", "R2_ENDPOINT");
        var ep = NormalizeEndpoint(endpoint.Value, endpoint.Source);
        if (bucket.Value is null) throw new MissingSettingException("bucket", "Bucket", "R2_BUCKET_NAME");
        ValidateBucket(bucket.Value, bucket.Source, ep);
        bool folder = ep.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        if (!folder)
        {
            if (key.Value is null)
                throw new MissingSettingException("access key id", "Credential", "R2_ACCESS_KEY_ID", "the -Credential user name is the access key id");
            if (secret.Value is null)
                throw new MissingSettingException("secret access key", "Credential", "R2_SECRET_ACCESS_KEY", "the -Credential password is the secret");
        }
        return new ResolvedSettings
        {
            Endpoint = ep,
            Bucket = bucket.Value,
            Prefix = NormalizePrefix(c.Prefix.Value ?? DefaultPrefix),
            AccessKeyId = key.Value,
            SecretAccessKey = secret.Value is null ? null : new Secret(secret.Value),
            Region = c.Region.Value ?? "auto",
            Sources = c.All,
            Project = c.Project,
            ProfileName = c.Profile.Value ?? CredentialsFile.DefaultProfile,
        };
    }

    /// <summary>"" stays "" (the bucket root); anything else ends with exactly one '/'; leading '/' dropped.</summary>
    public static string NormalizePrefix(string prefix)
    {
        var p = prefix.Replace('\\', '/').TrimStart('/');
        if (p.Length == 0) return "";
        return p.TrimEnd('/') + "/";
    }

    /// <summary>
    /// An http(s) URL, or file:///absolute/path for the folder store. A bare Cloudflare account id (32 hex digits)
    /// becomes https://&lt;id&gt;.r2.cloudflarestorage.com.
    /// </summary>
    public static string NormalizeEndpoint(string value, string source = "parameter")
    {
        var v = value.Trim();
        if (v.Length == 32 && v.All(Uri.IsHexDigit)) return $"https://{v.ToLowerInvariant()}.r2.cloudflarestorage.com";
        if (!Uri.TryCreate(v, UriKind.Absolute, out var uri))
            throw new InvalidSettingException("endpoint", v, "it is not an absolute URL such as https://<account>.r2.cloudflarestorage.com", source);
        if (uri.Scheme == Uri.UriSchemeFile)
            return uri.AbsoluteUri;
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            throw new InvalidSettingException("endpoint", v, "only http://, https:// and file:/// endpoints are supported", source);
        if (string.IsNullOrEmpty(uri.Host))
            throw new InvalidSettingException("endpoint", v, "it has no host name", source);
        if (uri.AbsolutePath.Trim('/').Length > 0)
            throw new InvalidSettingException("endpoint", v, "an endpoint has no path; give the bucket with -Bucket", source);
        return uri.GetLeftPart(UriPartial.Authority);
    }

    public static void ValidateBucket(string bucket, string source, string endpoint)
    {
        bool folder = endpoint.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        bool ok = bucket.Length is >= 3 and <= 63 && bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || c == '.')
                  && char.IsAsciiLetterOrDigit(bucket[0]) && char.IsAsciiLetterOrDigit(bucket[^1]);
        if (folder) ok = bucket.Length > 0 && !bucket.Contains('/') && !bucket.Contains('\\') && bucket is not "." and not "..";
        if (!ok)
            throw new InvalidSettingException("bucket", bucket, "bucket names are 3-63 characters of lower-case letters, digits, '-' and '.'", source);
    }
}
