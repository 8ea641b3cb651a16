namespace R2Sync.PowerShell.Formatting;

/// <summary>Human-readable sizes for the views (R2Sync.format.ps1xml); properties stay numeric.</summary>
public static class ByteSize
{
    public static string Format(long bytes) => bytes switch
    {
        < 0 => "",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.0} MB",
        < 1024L * 1024 * 1024 * 1024 => $"{bytes / (1024.0 * 1024 * 1024):0.00} GB",
        _ => $"{bytes / (1024.0 * 1024 * 1024 * 1024):0.00} TB",
    };

    public static string Format(long? bytes) => bytes is { } b ? Format(b) : "";

    public static string Format(double bytes) => Format((long)bytes);

    /// <summary>A rate in bytes per second, e.g. "12.3 MB/s".</summary>
    public static string Rate(double bytesPerSecond) => Format((long)bytesPerSecond) + "/s";
}
