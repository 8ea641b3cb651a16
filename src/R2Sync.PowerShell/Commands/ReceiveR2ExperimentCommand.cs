using System.Management.Automation;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>Receive-R2Experiment (alias Pull-R2Experiment): bucket → local experiments.</summary>
[Cmdlet(VerbsCommunications.Receive, "R2Experiment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Mode")]
[Alias("Pull-R2Experiment")]
[OutputType(typeof(SyncSummary), typeof(ItemResult))]
public sealed class ReceiveR2ExperimentCommand : SyncExecutingCommandBase
{
    [Parameter(ParameterSetName = "Mode")]
    public SyncMode Mode { get; set; } = SyncMode.Fast;

    [Parameter(ParameterSetName = "Copy", Mandatory = true)]
    public SwitchParameter Copy { get; set; }

    [Parameter(ParameterSetName = "Full", Mandatory = true)]
    public SwitchParameter Full { get; set; }

    [Parameter(ParameterSetName = "Checksum", Mandatory = true)]
    public SwitchParameter Checksum { get; set; }

    protected override SyncMode EffectiveMode => ModeSwitches.Pick(Mode, Copy, Full, Checksum);

    protected override SyncDirection EffectiveDirection => SyncDirection.Pull;

    protected override void EndProcessing() => Execute(EffectiveMode, EffectiveDirection);
}
