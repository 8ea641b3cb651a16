namespace R2Sync.Engine.Storage;

/// <summary>Everything needed to open a store. <see cref="SecretAccessKey"/> is never printed.</summary>
public sealed class StoreOptions
{
    public required string Endpoint { get; init; }
    public required string Bucket { get; init; }
    public string? AccessKeyId { get; init; }
    public Configuration.Secret? SecretAccessKey { get; init; }
    /// <summary>Signing region; R2 wants "auto".</summary>
    public string Region { get; init; } = "auto";
    /// <summary>Concurrent HTTP connections the client may open (transfers + checkers is plenty).</summary>
    public int MaxConnections { get; init; } = 32;
    /// <summary>Retries per request for transient failures.</summary>
    public int RetryCount { get; init; } = 5;
    /// <summary>Per-request time-out.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Connect time-out: an unreachable endpoint fails fast.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Uploads larger than this use multipart upload (equal parts of <see cref="PartSize"/>).</summary>
    public long MultipartThreshold { get; init; } = 64L * 1024 * 1024;
    /// <summary>Size of each part but the last (at least 5 MiB; grown when a file would need more than 10,000 parts).</summary>
    public long PartSize { get; init; } = 16L * 1024 * 1024;

    public bool IsFolderEndpoint => Endpoint.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Endpoint} bucket={Bucket} key={AccessKeyId}";
}

public static class StoreFactory
{
    /// <summary>Opens the store an endpoint names: file:///path is a local folder store, http(s) is S3.</summary>
    public static IObjectStore Open(StoreOptions options) =>
        options.IsFolderEndpoint ? new FolderObjectStore(options) : new S3ObjectStore(options);
}
