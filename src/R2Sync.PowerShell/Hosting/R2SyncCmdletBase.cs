using System.Collections;
using System.Management.Automation;
using System.Net;
using R2Sync.Engine.Configuration;
using R2Sync.Engine.Scanning;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;

namespace R2Sync.PowerShell.Hosting;

/// <summary>Parameters and helpers shared by every cmdlet that talks to a bucket.</summary>
public abstract class R2SyncCmdletBase : PSCmdlet
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Remote prefix under which the experiments live (default 'experiments/').</summary>
    [Parameter]
    [ValidateNotNull]
    public string? Prefix { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Bucket { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Endpoint { get; set; }

    /// <summary>Access key id as the user name, secret access key as the password.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The profile in the AWS shared credentials file that holds the keys (default r2sync).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ProfileName { get; set; }

    protected CancellationToken StopToken => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>The current process environment (what $env: sees).</summary>
    protected static IReadOnlyDictionary<string, string?> ReadEnvironment()
    {
        var d = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            d[(string)e.Key] = e.Value as string;
        return d;
    }

    protected string CurrentDirectory => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

    /// <summary>Resolves settings, turning every problem into a terminating ErrorRecord.</summary>
    protected ResolvedSettings ResolveSettings()
    {
        var input = new SettingsInput
        {
            Endpoint = Endpoint,
            Bucket = Bucket,
            Prefix = Prefix,
            ProfileName = ProfileName,
        };
        if (Credential is not null && Credential != PSCredential.Empty)
        {
            input.AccessKeyId = Credential.UserName;
            var plain = Credential.GetNetworkCredential().Password;
            if (!string.IsNullOrEmpty(plain)) input.SecretAccessKey = new Secret(plain);
        }
        try
        {
            return SettingsResolver.Resolve(input, ReadEnvironment(), CurrentDirectory);
        }
        catch (MissingSettingException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.MissingSetting, ErrorCategory.InvalidArgument, e.Parameter)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = $"Pass -{e.Parameter} or set ${{env:{e.Variable}}}." },
            });
            throw; // unreachable
        }
        catch (InvalidSettingException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidSetting, ErrorCategory.InvalidArgument, e.Value));
            throw;
        }
        catch (ProjectFileException e)
        {
            ThrowTerminatingError(ConfigurationErrors.ProjectFile(e));
            throw;
        }
    }

    /// <summary>Opens the store for the settings; a bad endpoint is a terminating error.</summary>
    protected IObjectStore OpenStore(ResolvedSettings settings, int maxConnections, int retryCount = 5)
    {
        try
        {
            return StoreFactory.Open(settings.ToStoreOptions(maxConnections, retryCount));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidSetting, ErrorCategory.InvalidArgument, settings.Endpoint));
            throw;
        }
    }

    protected PathFilter BuildFilter(string[]? exclude, string[]? include)
    {
        try
        {
            return new PathFilter(exclude, include);
        }
        catch (ArgumentException e)
        {
            var target = e is InvalidGlobException g ? g.Pattern : (object?)null;
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.InvalidGlob, ErrorCategory.InvalidArgument, target));
            throw;
        }
    }

    /// <summary>An ErrorRecord for a store failure met before any work started (terminating).</summary>
    protected ErrorRecord StoreError(StoreException e)
    {
        var (id, cat) = e.Kind switch
        {
            StoreErrorKind.BucketNotFound => (ErrorIds.BucketNotFound, ErrorCategory.ObjectNotFound),
            StoreErrorKind.AccessDenied => (ErrorIds.AccessDenied, ErrorCategory.PermissionDenied),
            StoreErrorKind.Unreachable => (ErrorIds.ConnectionFailed, ErrorCategory.ConnectionError),
            StoreErrorKind.Transient => (ErrorIds.ConnectionFailed, ErrorCategory.ConnectionError),
            _ => (ErrorIds.ConnectionFailed, ErrorCategory.NotSpecified),
        };
        return new ErrorRecord(new StoreFailure(e.Message), id, cat, e.Target);
    }

    internal static ErrorCategory Category(FailureKind kind) => kind switch
    {
        FailureKind.ReadError => ErrorCategory.ReadError,
        FailureKind.WriteError => ErrorCategory.WriteError,
        FailureKind.ConnectionError => ErrorCategory.ConnectionError,
        FailureKind.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        FailureKind.InvalidData => ErrorCategory.InvalidData,
        FailureKind.ResourceExists => ErrorCategory.ResourceExists,
        FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureKind.OperationStopped => ErrorCategory.OperationStopped,
        FailureKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        _ => ErrorCategory.NotSpecified,
    };
}

/// <summary>The exception carried by store ErrorRecords: the message only, never an SDK stack or a secret.</summary>
public sealed class StoreFailure : Exception
{
    public StoreFailure(string message) : base(message) { }
}
