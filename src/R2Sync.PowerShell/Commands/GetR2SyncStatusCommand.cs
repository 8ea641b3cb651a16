using System.Management.Automation;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Status;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>
/// Get-R2SyncStatus: one row per experiment — local and remote files and bytes, and how many items each mode
/// would move in each direction — from one scan and one listing. Changes nothing. Scope, excludes and settings
/// are resolved exactly as the sync cmdlets resolve them (it shares their base).
/// </summary>
[Cmdlet(VerbsCommon.Get, "R2SyncStatus")]
[OutputType(typeof(ExperimentStatus))]
public sealed class GetR2SyncStatusCommand : SyncCommandBase
{
    /// <summary>Hash same-size pairs for exact Checksum counts (reads every such local file).</summary>
    [Parameter]
    public SwitchParameter Checksum { get; set; }

    protected override SyncMode EffectiveMode => Checksum ? SyncMode.Checksum : SyncMode.Full;

    protected override SyncDirection EffectiveDirection => SyncDirection.Push;

    protected override void EndProcessing()
    {
        if (NothingPiped) return; // piped objects, none with an experiment: report nothing rather than everything
        var (o, settings) = BuildOptions(EffectiveMode, EffectiveDirection);
        foreach (var e in o.Experiments)
            if (e.Contains('/') || e.Contains('\\') || e is "." or ".." || KeyPaths.Validate(e) is not null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{e}' is not an experiment folder name (one folder name under the root, no '/' or '..')."),
                    ErrorIds.InvalidSetting, ErrorCategory.InvalidArgument, e));
        if (!Directory.Exists(o.LocalRoot))
            WriteWarning($"The local folder '{o.LocalRoot}' does not exist; every remote experiment is reported as RemoteOnly.");
        using var store = OpenStore(settings, Math.Max(16, o.Checkers), o.RetryCount);
        var options = new StatusOptions
        {
            LocalRoot = o.LocalRoot,
            Prefix = o.Prefix,
            Bucket = o.Bucket,
            Experiments = o.Experiments,
            Filter = o.Filter,
            Hash = Checksum.IsPresent,
            Checkers = o.Checkers,
        };
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
