using System.Management.Automation;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>Get-R2SyncPlan: what a sync would do, one plan item per action. Changes nothing.</summary>
[Cmdlet(VerbsCommon.Get, "R2SyncPlan")]
[OutputType(typeof(PlanItem))]
public sealed class GetR2SyncPlanCommand : SyncCommandBase
{
    [Parameter]
    public SyncDirection Direction { get; set; } = SyncDirection.Push;

    [Parameter]
    public SyncMode Mode { get; set; } = SyncMode.Fast;

    protected override SyncMode EffectiveMode => Mode;

    protected override SyncDirection EffectiveDirection => Direction;

    protected override void EndProcessing()
    {
        var (options, settings) = BuildOptions(Mode, Direction);
        using var store = OpenStore(settings, options.Transfers + options.Checkers, options.RetryCount);
        using var run = new SyncRun(store, options, OpenHashes(options));
        Pump(run, store, null, planOnly: true, passThru: false, _ => (false, null), $"R2Sync plan ({Direction} {Mode})");
    }
}
