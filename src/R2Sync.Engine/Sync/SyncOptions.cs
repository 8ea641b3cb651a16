using R2Sync.Engine.Planning;
using R2Sync.Engine.Scanning;

namespace R2Sync.Engine.Sync;

/// <summary>The defaults of each mode and direction: (transfers, checkers).</summary>
public static class ModeDefaults
{
    public static (int Transfers, int Checkers) For(SyncMode mode, SyncDirection direction) => (direction, mode) switch
    {
        (SyncDirection.Push, SyncMode.Fast) => (16, 16),
        (SyncDirection.Push, SyncMode.Copy) => (16, 16),
        (SyncDirection.Push, SyncMode.Full) => (8, 8),
        (SyncDirection.Push, SyncMode.Checksum) => (4, 4),
        (SyncDirection.Pull, SyncMode.Fast) => (32, 64),
        (SyncDirection.Pull, SyncMode.Copy) => (16, 32),
        (SyncDirection.Pull, SyncMode.Full) => (32, 64),
        (SyncDirection.Pull, SyncMode.Checksum) => (16, 16),
        _ => (8, 8),
    };
}

/// <summary>Everything a run needs besides the store.</summary>
public sealed class SyncOptions
{
    public SyncMode Mode { get; init; } = SyncMode.Fast;
    public SyncDirection Direction { get; init; } = SyncDirection.Push;
    /// <summary>Absolute path of the local experiments root.</summary>
    public required string LocalRoot { get; init; }
    /// <summary>Remote prefix, "" or ending with '/'.</summary>
    public string Prefix { get; init; } = "experiments/";
    public string? Bucket { get; init; }
    /// <summary>Experiment folder names that scope both sides; empty means everything under the prefix.</summary>
    public IReadOnlyList<string> Experiments { get; init; } = Array.Empty<string>();
    public PathFilter Filter { get; init; } = new();
    public int Transfers { get; init; } = 16;
    public int Checkers { get; init; } = 16;
    /// <summary>Attempts per item beyond the first, for transient failures.</summary>
    public int RetryCount { get; init; } = 5;
    /// <summary>Base delay of the per-item exponential backoff.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Use If-None-Match: * for uploads of new keys in Fast mode (where the store supports it).</summary>
    public bool ConditionalCreate { get; init; } = true;
    /// <summary>Check remote items of a supplied plan with a HEAD before acting (piped plans may be old).</summary>
    public bool VerifyRemoteBeforeActing { get; init; }
    /// <summary>Uploads larger than this (bytes) use multipart upload.</summary>
    public long MultipartThreshold { get; init; } = 64L * 1024 * 1024;
    /// <summary>Multipart part size (bytes): equal parts but the last.</summary>
    public long PartSize { get; init; } = 16L * 1024 * 1024;

    public bool Deletes => Mode is SyncMode.Full or SyncMode.Checksum;

    public PlanOptions ToPlanOptions() => new(Mode, Direction, Prefix, LocalRoot, Bucket);
}
