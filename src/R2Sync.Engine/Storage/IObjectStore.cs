using R2Sync.Engine.Planning;

namespace R2Sync.Engine.Storage;

/// <summary>What an upload sends: a local file to one key, with its MD5 and modification time.</summary>
public sealed class UploadRequest
{
    public required string Key { get; init; }
    public required string LocalPath { get; init; }
    public required long Size { get; init; }
    /// <summary>MD5 of the whole file, lower-case hex (sent as Content-MD5 and as metadata md5chksum).</summary>
    public string? Md5Hex { get; init; }
    public DateTime LastWriteUtc { get; init; }
    /// <summary>Create only: fail with <see cref="StoreErrorKind.PreconditionFailed"/> when the key already exists.</summary>
    public bool IfNoneMatch { get; init; }
    /// <summary>The run's transfer budget: a multipart upload borrows free slots from it for parallel parts.</summary>
    public TransferBudget? Budget { get; init; }
    /// <summary>Overrides the store's multipart threshold (bytes) for this upload.</summary>
    public long? MultipartThreshold { get; init; }
    /// <summary>Overrides the store's part size (bytes) for this upload.</summary>
    public long? PartSize { get; init; }
    /// <summary>
    /// The file's bytes, already read (small files): the body is sent from memory, so the file is read once for
    /// both its MD5 and the upload, and the MD5 is exactly that of the bytes sent.
    /// </summary>
    public ArraySegment<byte>? Content { get; init; }
}

/// <summary>What a download learned about the object from the GET response.</summary>
public sealed class DownloadResult
{
    public long Size { get; init; }
    public string? ETag { get; init; }
    /// <summary>MD5 (hex) stored in metadata by rclone or R2Sync (md5chksum), when present.</summary>
    public string? MetadataMd5Hex { get; init; }
    /// <summary>Modification time stored in metadata (mtime), when present.</summary>
    public DateTime? MetadataMtimeUtc { get; init; }
    public DateTime LastModifiedUtc { get; init; }
    /// <summary>MD5 (hex) of the bytes written, computed while receiving.</summary>
    public string? ReceivedMd5Hex { get; init; }
}

/// <summary>Metadata of one object, from a HEAD request.</summary>
public sealed class ObjectInfo
{
    public required string Key { get; init; }
    public long Size { get; init; }
    public string? ETag { get; init; }
    public DateTime LastModifiedUtc { get; init; }
    public string? MetadataMd5Hex { get; init; }
    public DateTime? MetadataMtimeUtc { get; init; }
}

public sealed record DeleteFailure(string Key, string Message);

/// <summary>
/// A bucket-like store. Two implementations: S3 (any S3-compatible endpoint, R2 included) and a local folder
/// (endpoint file:///path). Engine code sees only this interface, never SDK types.
/// </summary>
public interface IObjectStore : IDisposable
{
    /// <summary>How a key is shown to people, e.g. r2://bucket/key.</summary>
    string Describe(string key);

    /// <summary>True when the store honours conditional creates (If-None-Match: *).</summary>
    bool SupportsConditionalCreate { get; }

    /// <summary>One flat listing of every key under the prefix, in UTF-8 byte order, page by page.</summary>
    IAsyncEnumerable<RemoteObject> ListAsync(string prefix, CancellationToken ct);

    /// <summary>Metadata of one object; null when it does not exist.</summary>
    Task<ObjectInfo?> HeadAsync(string key, CancellationToken ct);

    Task UploadAsync(UploadRequest request, Action<long>? bytesSent, CancellationToken ct);

    /// <summary>Writes the object's bytes to <paramref name="destinationPath"/> (created or truncated).</summary>
    Task<DownloadResult> DownloadAsync(string key, string destinationPath, Action<long>? bytesReceived, CancellationToken ct);

    /// <summary>Deletes the keys (batched where the store can); returns the keys that failed.</summary>
    Task<IReadOnlyList<DeleteFailure>> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct);

    /// <summary>One cheap request that proves the endpoint answers, the credentials are accepted and the bucket exists.</summary>
    Task CheckAsync(CancellationToken ct);
}

public enum StoreErrorKind
{
    Other,
    /// <summary>The endpoint could not be reached (DNS, refused, TLS).</summary>
    Unreachable,
    /// <summary>The credentials were refused (unknown key, bad signature).</summary>
    AccessDenied,
    BucketNotFound,
    NotFound,
    PreconditionFailed,
    /// <summary>A failure that a retry may cure (5xx, throttling, reset, time-out).</summary>
    Transient,
    /// <summary>The received bytes did not match the expected MD5.</summary>
    Corrupt,
}

/// <summary>A store failure, described without SDK types and never carrying a secret.</summary>
public sealed class StoreException : Exception
{
    public StoreException(StoreErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }

    public StoreErrorKind Kind { get; }
    public string? Target { get; }
    public int? StatusCode { get; init; }
    public string? ErrorCode { get; init; }
    public bool IsTransient => Kind is StoreErrorKind.Transient or StoreErrorKind.Unreachable or StoreErrorKind.Corrupt;
}
