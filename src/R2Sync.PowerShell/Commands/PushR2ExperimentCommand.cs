using System.Management.Automation;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Sync;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>Push-R2Experiment: local experiments → bucket. Fast by default; -Copy, -Full, -Checksum pick other modes.</summary>
[Cmdlet(VerbsCommon.Push, "R2Experiment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Mode")]
[OutputType(typeof(SyncSummary), typeof(ItemResult))]
public sealed class PushR2ExperimentCommand : SyncExecutingCommandBase
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

    protected override SyncDirection EffectiveDirection => SyncDirection.Push;

    protected override void EndProcessing() => Execute(EffectiveMode, EffectiveDirection);
}

internal static class ModeSwitches
{
    public static SyncMode Pick(SyncMode mode, bool copy, bool full, bool checksum) =>
        checksum ? SyncMode.Checksum : full ? SyncMode.Full : copy ? SyncMode.Copy : mode;
}
