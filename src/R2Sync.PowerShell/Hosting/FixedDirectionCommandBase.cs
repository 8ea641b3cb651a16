using System.Management.Automation;
using R2Sync.Engine.Planning;

namespace R2Sync.PowerShell.Hosting;

/// <summary>
/// Push-R2Experiment and Receive-R2Experiment: Sync-R2Experiment with a fixed direction, and the -Copy, -Full,
/// -Checksum switches as shortcuts for -Mode (the group's habit from its push and pull scripts).
/// </summary>
public abstract class FixedDirectionCommandBase : SyncExecutingCommandBase
{
    [Parameter(ParameterSetName = "Mode")]
    public SyncMode Mode { get; set; } = SyncMode.Fast;

    [Parameter(ParameterSetName = "Copy", Mandatory = true)]
    public SwitchParameter Copy { get; set; }

    [Parameter(ParameterSetName = "Full", Mandatory = true)]
    public SwitchParameter Full { get; set; }

    [Parameter(ParameterSetName = "Checksum", Mandatory = true)]
    public SwitchParameter Checksum { get; set; }

    protected override SyncMode EffectiveMode =>
        Checksum ? SyncMode.Checksum : Full ? SyncMode.Full : Copy ? SyncMode.Copy : Mode;

    protected override void EndProcessing() => Execute(EffectiveMode, EffectiveDirection);
}
