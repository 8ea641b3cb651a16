using System.Management.Automation;
using System.Net;
using System.Security;
using R2Sync.Engine.Configuration;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>What Initialize-R2Sync saved (never the secret).</summary>
public sealed class R2SyncInitializeResult
{
    public string Profile { get; init; } = "";
    public string Endpoint { get; init; } = "";
    public string Bucket { get; init; } = "";
    public string Prefix { get; init; } = "";
    public string AccessKeyId { get; init; } = "";
    public string CredentialsFile { get; init; } = "";
    public string ConfigFile { get; init; } = "";
    /// <summary>Created, Replaced or Unchanged.</summary>
    public string ProfileStatus { get; init; } = "";
}

/// <summary>
/// Initialize-R2Sync: first-time setup. Gathers keys, endpoint and bucket (parameters, an rclone remote, the environment
/// and .env, a prompt when interactive), proves them with one request, then saves the keys as a profile in the AWS
/// shared credentials file and the rest in ~/.config/r2sync/config.json. -ProjectFile writes a starter r2sync.json.
/// </summary>
[Cmdlet(VerbsData.Initialize, "R2Sync", SupportsShouldProcess = true, DefaultParameterSetName = "Profile")]
[OutputType(typeof(R2SyncInitializeResult))]
public sealed class InitializeR2SyncCommand : R2SyncCmdletBase
{
    [Parameter(ParameterSetName = "Profile")]
    [ValidateNotNullOrEmpty]
    public string? AccessKeyId { get; set; }

    [Parameter(ParameterSetName = "Profile")]
    [ValidateNotNull]
    public SecureString? SecretAccessKey { get; set; }

    /// <summary>An rclone remote ("name", "name:" or "name:bucket") to import from the rclone config file.</summary>
    [Parameter(ParameterSetName = "Profile")]
    [ValidateNotNullOrEmpty]
    public string? FromRclone { get; set; }

    /// <summary>Write a starter r2sync.json in the current folder instead of saving credentials.</summary>
    [Parameter(ParameterSetName = "ProjectFile", Mandatory = true)]
    public SwitchParameter ProjectFile { get; set; }

    /// <summary>Replace an existing profile (or project file) with different contents.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        if (ProjectFile) { WriteProjectFile(); return; }
        var env = ReadEnvironment();

        string? key = AccessKeyId, endpoint = Endpoint, bucket = Bucket;
        Secret? secret = SecretAccessKey is { Length: > 0 } ss ? new Secret(new NetworkCredential("", ss).Password) : null;
        if (Credential is not null && Credential != PSCredential.Empty)
        {
            key ??= Credential.UserName;
            var p = Credential.GetNetworkCredential().Password;
            if (secret is null && !string.IsNullOrEmpty(p)) secret = new Secret(p);
        }
        string? origin = null;
        if (FromRclone is not null)
        {
            var path = RcloneConfig.PathFor(env);
            try
            {
                if (path is null) throw new InvalidSettingException("rclone config file", "", "neither RCLONE_CONFIG nor HOME is set", "-FromRclone");
                var r = RcloneConfig.Read(path, FromRclone);
                key ??= r.AccessKeyId;
                secret ??= r.SecretAccessKey;
                endpoint ??= r.Endpoint;
                bucket ??= r.Bucket;
                origin = $"rclone remote '{r.Name}' in {path}";
                WriteVerbose($"Imported {origin}.");
            }
            catch (InvalidSettingException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, ErrorIds.RcloneImportFailed, ErrorCategory.InvalidData, e.Value));
            }
        }

        // Fill the rest from the environment, .env, the project file and what is saved.
        SettingsResolver.Collected c;
        try
        {
            c = SettingsResolver.Collect(new SettingsInput { Prefix = Prefix, ProfileName = ProfileName }, env, CurrentDirectory);
        }
        catch (ProjectFileException e) { ThrowTerminatingError(ConfigurationErrors.ProjectFile(e)); throw; }
        catch (InvalidSettingException e) { ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidSetting, ErrorCategory.InvalidArgument, e.Value)); throw; }
        key ??= c.AccessKeyId.Value;
        if (secret is null && c.SecretAccessKey.Value is { } sv) secret = new Secret(sv);
        endpoint ??= c.Endpoint.Value;
        bucket ??= c.Bucket.Value;
        var prefix = SettingsResolver.NormalizePrefix(c.Prefix.Value ?? SettingsResolver.DefaultPrefix);
        var profile = c.Profile.Value ?? CredentialsFile.DefaultProfile;

        // Prompt for what is still missing, only when somebody can answer.
        bool canPrompt = Interactivity.CanPrompt(this);
        endpoint ??= Ask(canPrompt, "Endpoint (https://<account>.r2.cloudflarestorage.com, or the account id)", "endpoint", "Endpoint", "R2_ENDPOINT");
        bucket ??= Ask(canPrompt, "Bucket", "bucket", "Bucket", "R2_BUCKET_NAME");
        key ??= Ask(canPrompt, "Access key id", "access key id", "AccessKeyId", "R2_ACCESS_KEY_ID");
        if (secret is null)
        {
            if (!canPrompt) Missing("secret access key", "SecretAccessKey", "R2_SECRET_ACCESS_KEY");
            Host.UI.Write("Secret access key: ");
            var s = new NetworkCredential("", Host.UI.ReadLineAsSecureString()).Password;
            if (string.IsNullOrEmpty(s)) Missing("secret access key", "SecretAccessKey", "R2_SECRET_ACCESS_KEY");
            secret = new Secret(s);
        }

        string ep;
        try
        {
            ep = SettingsResolver.NormalizeEndpoint(endpoint!, origin ?? "Initialize-R2Sync");
            SettingsResolver.ValidateBucket(bucket!, origin ?? "Initialize-R2Sync", ep);
        }
        catch (InvalidSettingException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidSetting, ErrorCategory.InvalidArgument, e.Value));
            throw;
        }

        var credPath = CredentialsFile.PathFor(env);
        var configPath = UserConfig.PathFor(env);
        if (credPath is null || configPath is null)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("HOME is not set, so there is no place to save the profile; set HOME, or AWS_SHARED_CREDENTIALS_FILE and XDG_CONFIG_HOME."),
                ErrorIds.MissingSetting, ErrorCategory.InvalidOperation, "HOME"));
        }

        var existing = CredentialsFile.Read(credPath, profile);
        bool same = existing is { } ex && ex.AccessKeyId == key && ex.SecretAccessKey.Reveal() == secret!.Reveal();
        if (existing is not null && !same && !Force)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    $"The profile [{profile}] in {credPath} already holds other keys; nothing was changed. Pass -Force to replace it, or -ProfileName to save another profile."),
                ErrorIds.ProfileExists, ErrorCategory.ResourceExists, profile));
        }

        // Prove the settings with one real request before saving anything.
        var settings = new ResolvedSettings { Endpoint = ep, Bucket = bucket!, Prefix = prefix, AccessKeyId = key, SecretAccessKey = secret };
        using (var store = OpenStore(settings, 2, retryCount: 1))
        {
            try
            {
                store.CheckAsync(StopToken).GetAwaiter().GetResult();
            }
            catch (StoreException e)
            {
                var rec = StoreError(e);
                ThrowTerminatingError(new ErrorRecord(new StoreFailure($"Nothing was saved: the settings did not pass Test-R2Connection: {e.Message}"),
                    ErrorIds.ValidationFailed, rec.CategoryInfo.Category, ep));
            }
        }

        var status = existing is null ? "Created" : same ? "Unchanged" : "Replaced";
        if (!ShouldProcess($"profile [{profile}] in {credPath} and {configPath}", "Save R2Sync settings")) return;
        if (!same) CredentialsFile.Write(credPath!, profile, key!, secret!);
        var cfg = UserConfig.Load(configPath) ?? new UserConfig();
        cfg.Endpoint = ep;
        cfg.Bucket = bucket;
        cfg.Prefix = prefix;
        cfg.Profile = profile;
        cfg.Save(configPath!);
        WriteObject(new R2SyncInitializeResult
        {
            Profile = profile, Endpoint = ep, Bucket = bucket!, Prefix = prefix, AccessKeyId = key!,
            CredentialsFile = credPath!, ConfigFile = configPath!, ProfileStatus = status,
        });
    }

    private string Ask(bool canPrompt, string prompt, string setting, string parameter, string variable)
    {
        if (!canPrompt) Missing(setting, parameter, variable);
        Host.UI.Write(prompt + ": ");
        var v = Host.UI.ReadLine()?.Trim();
        if (string.IsNullOrEmpty(v)) Missing(setting, parameter, variable);
        return v!;
    }

    private void Missing(string setting, string parameter, string variable)
    {
        var e = new MissingSettingException(setting, parameter, variable, "or import an rclone remote with -FromRclone <remote>");
        ThrowTerminatingError(new ErrorRecord(e, ErrorIds.MissingSetting, ErrorCategory.InvalidArgument, parameter)
        {
            ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = $"Pass -{parameter} or set ${{env:{variable}}}." },
        });
    }

    private void WriteProjectFile()
    {
        var path = System.IO.Path.Combine(CurrentDirectory, Engine.Configuration.ProjectFile.FileName);
        if (File.Exists(path) && !Force)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"{path} already exists; nothing was changed. Pass -Force to overwrite it."),
                ErrorIds.ProfileExists, ErrorCategory.ResourceExists, path));
        }
        if (!ShouldProcess(path, "Write starter project file")) return;
        File.WriteAllText(path, Engine.Configuration.ProjectFile.Starter(Bucket, SettingsResolver.NormalizePrefix(Prefix ?? SettingsResolver.DefaultPrefix)));
        WriteObject(new FileInfo(path));
    }
}
