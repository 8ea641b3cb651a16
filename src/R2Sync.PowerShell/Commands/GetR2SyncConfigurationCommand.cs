using System.Management.Automation;
using R2Sync.Engine.Configuration;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>One effective setting and where it came from (secrets masked).</summary>
public sealed class R2SyncSetting
{
    public string Name { get; init; } = "";
    public string? Value { get; init; }
    public string Source { get; init; } = "";
    public override string ToString() => $"{Name} = {Value} ({Source})";
}

/// <summary>
/// Get-R2SyncConfiguration: each effective setting and its source. Precedence: parameter &gt; environment &gt; .env &gt;
/// project file &gt; saved user settings.
/// </summary>
[Cmdlet(VerbsCommon.Get, "R2SyncConfiguration")]
[OutputType(typeof(R2SyncSetting))]
public sealed class GetR2SyncConfigurationCommand : R2SyncCmdletBase
{
    protected override void EndProcessing()
    {
        var input = new SettingsInput { Endpoint = Endpoint, Bucket = Bucket, Prefix = Prefix, ProfileName = ProfileName };
        if (Credential is not null && Credential != PSCredential.Empty)
        {
            input.AccessKeyId = Credential.UserName;
            var plain = Credential.GetNetworkCredential().Password;
            if (!string.IsNullOrEmpty(plain)) input.SecretAccessKey = new Secret(plain);
        }
        var env = ReadEnvironment();
        SettingsResolver.Collected c;
        try
        {
            c = SettingsResolver.Collect(input, env, CurrentDirectory);
        }
        catch (ProjectFileException e) { ThrowTerminatingError(ConfigurationErrors.ProjectFile(e)); throw; }
        catch (InvalidSettingException e) { ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidSetting, ErrorCategory.InvalidArgument, e.Value)); throw; }
        foreach (var s in c.All)
            WriteObject(new R2SyncSetting { Name = s.Name, Value = s.Display, Source = s.Source });
        var root = LocalRoot.DefaultFor(env, c.Project);
        var rootSource = env.TryGetValue("RAILWAY_VOLUME_MOUNT_PATH", out var v) && !string.IsNullOrEmpty(v) ? "environment RAILWAY_VOLUME_MOUNT_PATH"
            : c.Project is { LocalRoot.Length: > 0 } ? $"project file {c.Project.SourcePath}" : "default";
        WriteObject(new R2SyncSetting { Name = "local root", Value = SessionState.Path.GetUnresolvedProviderPathFromPSPath(root), Source = rootSource });
        WriteObject(new R2SyncSetting { Name = "project file", Value = c.Project?.SourcePath, Source = c.Project is null ? "not found" : "found walking up from " + CurrentDirectory });
    }
}
