using System.Management.Automation;
using R2Sync.Engine.Status;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Completion;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>
/// Get-R2SyncStatus: one row per experiment — local and remote files and bytes, and how many items each mode
/// would move in each direction — from one scan and one listing. Changes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "R2SyncStatus")]
[OutputType(typeof(ExperimentStatus))]
public sealed class GetR2SyncStatusCommand : R2SyncCmdletBase
{
    private readonly List<string> _experiments = new();
    private int _records;

    /// <summary>The local experiments root (default ./experiments).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Experiment folder names to report (default: every experiment on either side).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ExperimentCompleter))]
    public string[]? Experiment { get; set; }

    [Parameter]
    public string[]? Exclude { get; set; }

    [Parameter]
    public string[]? Include { get; set; }

    /// <summary>Hash same-size pairs for exact Checksum counts (reads every such local file).</summary>
    [Parameter]
    public SwitchParameter Checksum { get; set; }

    protected override void ProcessRecord()
    {
        _records++;
        if (Experiment is not null) _experiments.AddRange(Experiment);
    }

    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput && _records == 0) return; // an empty pipeline reports nothing, not everything
        var settings = ResolveSettings();
        var filter = BuildFilter(Exclude, Include);
        var root = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path ?? "./experiments");
        foreach (var e in _experiments)
            if (e.Contains('/') || e.Contains('\\') || e is "." or "..")
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{e}' is not an experiment folder name (one folder name under the root, no '/' or '..')."),
                    ErrorIds.InvalidSetting, ErrorCategory.InvalidArgument, e));
        if (!Directory.Exists(root))
            WriteWarning($"The local folder '{root}' does not exist; every remote experiment is reported as RemoteOnly.");
        using var store = OpenStore(settings, 16, retryCount: 3);
        var options = new StatusOptions
        {
            LocalRoot = root,
            Prefix = settings.Prefix,
            Bucket = settings.Bucket,
            Experiments = _experiments.Distinct(StringComparer.Ordinal).ToList(),
            Filter = filter,
            Hash = Checksum.IsPresent,
        };
        WriteVerbose($"Status: {root} <-> {store.Describe(settings.Prefix)}{(Checksum ? " (hashing same-size pairs)" : "")}");
        try
        {
            var (rows, problems) = Task.Run(() => StatusCalculator.ComputeAsync(store, options, StopToken)).GetAwaiter().GetResult();
            foreach (var p in problems) WriteWarning($"{p.Path}: {p.Message}");
            foreach (var row in rows) WriteObject(row);
        }
        catch (StoreException e)
        {
            ThrowTerminatingError(StoreError(e));
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
        }
    }
}
