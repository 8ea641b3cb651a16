using System.Management.Automation;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>Receive-R2Experiment (alias Pull-R2Experiment): bucket → local experiments.</summary>
[Cmdlet(VerbsCommunications.Receive, "R2Experiment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Mode")]
[Alias("Pull-R2Experiment")]
[OutputType(typeof(SyncSummary), typeof(ItemResult))]
public sealed class ReceiveR2ExperimentCommand : FixedDirectionCommandBase
{
    protected override SyncDirection EffectiveDirection => SyncDirection.Pull;
}

