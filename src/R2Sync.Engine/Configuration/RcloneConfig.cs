namespace R2Sync.Engine.Configuration;

/// <summary>An S3 remote read from an rclone config file.</summary>
public sealed record RcloneRemote(string Name, string? Endpoint, string? AccessKeyId, Secret? SecretAccessKey, string? Provider, string? Bucket);

/// <summary>Reads remotes from rclone's config file ($RCLONE_CONFIG or ~/.config/rclone/rclone.conf).</summary>
public static class RcloneConfig
{
    public static string? PathFor(IReadOnlyDictionary<string, string?> environment)
    {
        if (environment.TryGetValue("RCLONE_CONFIG", out var f) && !string.IsNullOrEmpty(f)) return f;
        if (environment.TryGetValue("XDG_CONFIG_HOME", out var xdg) && !string.IsNullOrEmpty(xdg))
            return System.IO.Path.Combine(xdg, "rclone", "rclone.conf");
        if (environment.TryGetValue("HOME", out var home) && !string.IsNullOrEmpty(home))
            return System.IO.Path.Combine(home, ".config", "rclone", "rclone.conf");
        return null;
    }

    /// <summary>
    /// The named remote. <paramref name="remote"/> may be "name", "name:" or "name:bucket/path" (the bucket is taken
    /// from the part after the colon). Problems are <see cref="InvalidSettingException"/>s that say what to do.
    /// </summary>
    public static RcloneRemote Read(string path, string remote)
    {
        if (!File.Exists(path))
            throw new InvalidSettingException("rclone config file", path, "it does not exist (set $RCLONE_CONFIG to the file rclone uses; 'rclone config file' prints it)", "-FromRclone");
        var text = File.ReadAllText(path);
        if (text.Contains("RCLONE_ENCRYPT_V0:", StringComparison.Ordinal) || text.TrimStart().StartsWith("# Encrypted rclone configuration File", StringComparison.Ordinal))
            throw new InvalidSettingException("rclone config file", path,
                "it is encrypted, and R2Sync reads only unencrypted configs; run 'rclone config show " + remote.Split(':')[0] +
                "' and pass the values to Initialize-R2Sync -AccessKeyId -SecretAccessKey -Endpoint instead", "-FromRclone");
        var name = remote;
        string? bucket = null;
        var colon = remote.IndexOf(':');
        if (colon >= 0)
        {
            name = remote[..colon];
            var rest = remote[(colon + 1)..].Trim('/');
            if (rest.Length > 0) bucket = rest.Split('/')[0];
        }
        var sections = Ini.Parse(text);
        if (!sections.TryGetValue(name, out var kv))
            throw new InvalidSettingException("rclone remote", name,
                $"{path} has no remote of that name; it has: {(sections.Count == 0 ? "none" : string.Join(", ", sections.Keys))}", "-FromRclone");
        kv.TryGetValue("type", out var type);
        if (!string.Equals(type, "s3", StringComparison.OrdinalIgnoreCase))
            throw new InvalidSettingException("rclone remote", name, $"it is of type '{type}', and only s3 remotes (Cloudflare R2, S3-compatible) can be imported", "-FromRclone");
        kv.TryGetValue("endpoint", out var endpoint);
        kv.TryGetValue("access_key_id", out var key);
        kv.TryGetValue("secret_access_key", out var secret);
        kv.TryGetValue("provider", out var provider);
        return new RcloneRemote(name, string.IsNullOrEmpty(endpoint) ? null : endpoint, string.IsNullOrEmpty(key) ? null : key,
            string.IsNullOrEmpty(secret) ? null : new Secret(secret), provider, bucket);
    }
}
