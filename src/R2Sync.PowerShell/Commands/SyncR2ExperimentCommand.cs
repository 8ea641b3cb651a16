using System.Management.Automation;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>
/// Sync-R2Experiment: the general command (-Direction, -Mode). Also executes plan items piped from
/// Get-R2SyncPlan (live or through Export-Clixml/Import-Clixml), exactly those, after checking each still applies.
/// </summary>
[Cmdlet(VerbsData.Sync, "R2Experiment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Plan")]
[OutputType(typeof(SyncSummary), typeof(ItemResult))]
public sealed class SyncR2ExperimentCommand : SyncExecutingCommandBase
{
    private readonly List<PlanItem> _items = new();

    [Parameter]
    public SyncDirection Direction { get; set; } = SyncDirection.Push;

    [Parameter]
    public SyncMode Mode { get; set; } = SyncMode.Fast;

    /// <summary>Plan items (from Get-R2SyncPlan) to execute.</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = "Plan")]
    public PSObject[]? InputObject { get; set; }

    protected override SyncMode EffectiveMode => Mode;

    protected override SyncDirection EffectiveDirection => Direction;

    protected override void ProcessRecord()
    {
        if (InputObject is null) return;
        foreach (var o in InputObject)
        {
            if (o is null) continue;
            if (PlanItemReader.TryRead(o, out var item, out var problem)) _items.Add(item!);
            else WriteError(new ErrorRecord(new ArgumentException(problem), Engine.Sync.ErrorIds.InvalidPlanItem, ErrorCategory.InvalidArgument, o));
        }
    }

    protected override void EndProcessing()
    {
        if (InputObject is null && _items.Count == 0 && !MyInvocation.ExpectingInput)
        {
            Execute(Mode, Direction);
            return;
        }
        if (_items.Count == 0) return;
        var dirs = _items.Select(i => i.Direction).Distinct().ToList();
        if (dirs.Count > 1)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("The piped plan mixes push and pull items; pipe one direction at a time."),
                Engine.Sync.ErrorIds.InvalidPlanItem, ErrorCategory.InvalidArgument, null));
        }
        Execute(Mode, dirs[0], _items);
    }
}
