using System.Management.Automation;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Sync;

namespace R2Sync.PowerShell.Hosting;

/// <summary>Push, pull and sync: plan and execute with one engine. The cmdlets only choose the direction and mode.</summary>
public abstract class SyncExecutingCommandBase : SyncCommandBase
{
    /// <summary>Also emit one result per executed action.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected void Execute(SyncMode mode, SyncDirection direction, IReadOnlyList<PlanItem>? plan = null)
    {
        var (options, settings) = BuildOptions(mode, direction, verifyRemote: plan is not null);
        using var store = OpenStore(settings, options.Transfers + options.Checkers, options.RetryCount);
        using var run = new SyncRun(store, options, OpenHashes(options));
        var verb = direction == SyncDirection.Push ? "push" : "pull";
        Pump(run, store, plan, planOnly: false, PassThru.IsPresent, GuardDeletes, $"R2Sync {verb} ({mode})");
    }
}
