using System.Management.Automation;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>Push-R2Experiment: local experiments → bucket. Fast by default; -Copy, -Full, -Checksum pick other modes.</summary>
[Cmdlet(VerbsCommon.Push, "R2Experiment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Mode")]
[OutputType(typeof(SyncSummary), typeof(ItemResult))]
public sealed class PushR2ExperimentCommand : FixedDirectionCommandBase
{
    protected override SyncDirection EffectiveDirection => SyncDirection.Push;
}


