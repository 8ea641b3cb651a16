using R2Sync.Engine.Planning;

namespace R2Sync.Engine.Sync;

/// <summary>
/// What a run tells its host. Worker threads only ever write these to one channel; the host (the cmdlet's
/// pipeline thread) reads them and turns them into pipeline output, errors, progress and prompts.
/// </summary>
public abstract record SyncEvent;

/// <summary>A planned action. The host approves it (ShouldProcess) and calls <see cref="SyncRun.Submit"/>, or not.</summary>
public sealed record ItemPlanned(PlanItem Item) : SyncEvent;

/// <summary>Planning is over; the host calls <see cref="SyncRun.EndSubmissions"/> once it has answered every item.</summary>
public sealed record PlanCompleted(PlanStats Stats) : SyncEvent;

/// <summary>
/// All transfers are done and deletions are waiting. The host decides (<see cref="SyncRun.DecideDeletes"/>):
/// the engine itself already refuses when a transfer failed.
/// </summary>
public sealed record DeletesPending(IReadOnlyList<PlanItem> Deletes, int FilesInScope, int FailedTransfers) : SyncEvent;

public sealed record ItemSucceeded(ItemResult Result) : SyncEvent;

public sealed record ItemFailed(PlanItem? Item, string ErrorId, FailureKind Kind, string Message, string Target, Exception? Exception) : SyncEvent;

public enum LogLevel { Verbose, Warning, Debug }

public sealed record LogMessage(LogLevel Level, string Text) : SyncEvent;

public sealed record RunCompleted(SyncSummary Summary) : SyncEvent;

/// <summary>Kinds of failure, mapped by the host to error categories.</summary>
public enum FailureKind
{
    ReadError, WriteError, ConnectionError, PermissionDenied, ObjectNotFound, InvalidData, ResourceExists,
    InvalidArgument, OperationStopped, LimitsExceeded, NotSpecified,
}

/// <summary>Stable error ids (ErrorRecord.FullyQualifiedErrorId prefixes).</summary>
public static class ErrorIds
{
    public const string TransferFailed = "R2Sync.TransferFailed";
    public const string UploadFailed = "R2Sync.UploadFailed";
    public const string DownloadFailed = "R2Sync.DownloadFailed";
    public const string DeleteFailed = "R2Sync.DeleteFailed";
    public const string StaleItem = "R2Sync.StaleItem";
    public const string ObjectExists = "R2Sync.ObjectExists";
    public const string UnsafeKey = "R2Sync.UnsafeKey";
    public const string KeyCollision = "R2Sync.KeyCollision";
    public const string CorruptDownload = "R2Sync.CorruptDownload";
    public const string FileChanged = "R2Sync.FileChangedDuringUpload";
    public const string ScanProblem = "R2Sync.ScanProblem";
    public const string DeletesSkipped = "R2Sync.DeletesSkipped";
    public const string MissingSetting = "R2Sync.MissingSetting";
    public const string InvalidSetting = "R2Sync.InvalidSetting";
    public const string InvalidGlob = "R2Sync.InvalidGlob";
    public const string ConnectionFailed = "R2Sync.ConnectionFailed";
    public const string AccessDenied = "R2Sync.AccessDenied";
    public const string BucketNotFound = "R2Sync.BucketNotFound";
    public const string LocalRootMissing = "R2Sync.LocalRootMissing";
    public const string DeleteRefused = "R2Sync.DeleteRefused";
    public const string TooManyDeletes = "R2Sync.TooManyDeletes";
    public const string InvalidPlanItem = "R2Sync.InvalidPlanItem";
    public const string InvalidProjectFile = "R2Sync.InvalidProjectFile";
    public const string UnknownIncludeGroup = "R2Sync.UnknownIncludeGroup";
    public const string ProfileExists = "R2Sync.ProfileExists";
    public const string ValidationFailed = "R2Sync.ValidationFailed";
    public const string RcloneImportFailed = "R2Sync.RcloneImportFailed";
}

/// <summary>A condition that stops a run before it changes anything (terminating for the host).</summary>
public sealed class SyncRefusedException : Exception
{
    public SyncRefusedException(string errorId, FailureKind kind, string message, string target) : base(message)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public FailureKind Kind { get; }
    public string Target { get; }
}

/// <summary>One executed action; emitted with -PassThru.</summary>
public sealed class ItemResult
{
    public SyncAction Action { get; init; }
    public SyncReason Reason { get; init; }
    public SyncDirection Direction { get; init; }
    public string RelativePath { get; init; } = "";
    public string Key { get; init; } = "";
    public long Size { get; init; }
    public string LocalPath { get; init; } = "";
    public TimeSpan Duration { get; init; }
    public int Attempts { get; init; } = 1;
    public string? Md5 { get; init; }
}

/// <summary>Counts from planning.</summary>
public sealed class PlanStats
{
    public int LocalFiles { get; init; }
    public int RemoteObjects { get; init; }
    public int InSync { get; init; }
    public int Uploads { get; init; }
    public int Downloads { get; init; }
    public int Deletes { get; init; }
    public long Bytes { get; init; }
    /// <summary>Checksum mode: pairs compared by size because the object had no MD5.</summary>
    public int ComparedBySize { get; init; }
    public int Rejected { get; init; }
    /// <summary>Local files whose contents were read to hash them (the hash cache answered the others).</summary>
    public int FilesRead { get; init; }
}

/// <summary>The summary object of a run.</summary>
public sealed class SyncSummary
{
    public SyncDirection Direction { get; init; }
    public SyncMode Mode { get; init; }
    public int Uploaded { get; set; }
    public int Downloaded { get; set; }
    public int Deleted { get; set; }
    /// <summary>Files in sync plus items not executed (stale, declined, deletes withheld).</summary>
    public int Skipped { get; set; }
    public int Failed { get; set; }
    public long Bytes { get; set; }
    public TimeSpan Duration { get; set; }
    /// <summary>Bytes per second over the whole run.</summary>
    public double Throughput => Duration.TotalSeconds > 0 ? Bytes / Duration.TotalSeconds : 0;
    public int LocalFiles { get; set; }
    public int RemoteObjects { get; set; }
    public int ComparedBySize { get; set; }
    /// <summary>Local files whose contents were read to hash them (the hash cache answered the others).</summary>
    public int FilesRead { get; set; }
    public int Stale { get; set; }
    public bool DeletesSkipped { get; set; }
    public string? DeletesSkippedReason { get; set; }
    public string Bucket { get; init; } = "";
    public string Prefix { get; init; } = "";
    public string LocalRoot { get; init; } = "";

    public override string ToString() =>
        $"{Direction} {Mode}: {Uploaded} uploaded, {Downloaded} downloaded, {Deleted} deleted, {Skipped} skipped, {Failed} failed, {Bytes} bytes in {Duration.TotalSeconds:0.0}s";
}

/// <summary>Live counters the host polls for Write-Progress (throttled on its side).</summary>
public sealed class SyncProgress
{
    private long _bytesDone, _bytesTotal, _filesDone, _filesTotal, _scanned, _listed, _hashed;
    public volatile string Phase = "Planning";
    public long BytesDone => Interlocked.Read(ref _bytesDone);
    public long BytesTotal => Interlocked.Read(ref _bytesTotal);
    public long FilesDone => Interlocked.Read(ref _filesDone);
    public long FilesTotal => Interlocked.Read(ref _filesTotal);
    public long Scanned => Interlocked.Read(ref _scanned);
    public long Listed => Interlocked.Read(ref _listed);
    public long Hashed => Interlocked.Read(ref _hashed);
    public void AddBytes(long n) => Interlocked.Add(ref _bytesDone, n);
    public void AddTotal(long files, long bytes) { Interlocked.Add(ref _filesTotal, files); Interlocked.Add(ref _bytesTotal, bytes); }
    public void FileDone() => Interlocked.Increment(ref _filesDone);
    public void AddScanned(long n = 1) => Interlocked.Add(ref _scanned, n);
    public void AddListed(long n = 1) => Interlocked.Add(ref _listed, n);
    public void AddHashed(long n = 1) => Interlocked.Add(ref _hashed, n);
}
