namespace R2Sync.Engine.Planning;

/// <summary>How two sides are compared, and whether deletions propagate.</summary>
public enum SyncMode
{
    /// <summary>Transfer only what is missing on the destination; never overwrite, never delete.</summary>
    Fast,
    /// <summary>Fast, plus overwrite when sizes differ; never delete.</summary>
    Copy,
    /// <summary>Copy, plus delete what the source no longer has.</summary>
    Full,
    /// <summary>Full, plus overwrite when the MD5 differs (catches same-size changes).</summary>
    Checksum,
}

public enum SyncDirection { Push, Pull }

public enum SyncAction { Upload, Download, Delete }

public enum SyncReason
{
    /// <summary>The destination has no such file.</summary>
    New,
    /// <summary>Both sides have it, with different sizes.</summary>
    SizeChanged,
    /// <summary>Same size, different MD5.</summary>
    ContentChanged,
    /// <summary>The source no longer has it.</summary>
    Deleted,
}

/// <summary>A file found by the local scan. Paths are relative to the local root, with '/'.</summary>
public sealed class LocalFile
{
    public LocalFile(string relativePath, string fullPath, long size, DateTime lastWriteUtc)
    {
        RelativePath = relativePath;
        FullPath = fullPath;
        Size = size;
        LastWriteUtc = lastWriteUtc;
    }

    public string RelativePath { get; }
    public string FullPath { get; }
    public long Size { get; }
    public DateTime LastWriteUtc { get; }
    /// <summary>Inode (or file id) where the OS has one; 0 otherwise. Used by the hash cache.</summary>
    public long Inode { get; init; }
}

/// <summary>An object found by the remote listing.</summary>
public sealed class RemoteObject
{
    public RemoteObject(string key, long size, string? eTag, DateTime lastModifiedUtc)
    {
        Key = key;
        Size = size;
        ETag = eTag;
        LastModifiedUtc = lastModifiedUtc;
    }

    public string Key { get; }
    public long Size { get; }
    /// <summary>The ETag without quotes.</summary>
    public string? ETag { get; }
    public DateTime LastModifiedUtc { get; }

    /// <summary>The MD5 (lower-case hex) of the object's content when the ETag is one (single-part uploads).</summary>
    public string? EtagMd5 => Hashing.Md5.IsHexMd5(ETag) ? ETag!.ToLowerInvariant() : null;
}

/// <summary>One planned action. The pipeline object of Get-R2SyncPlan; input of Sync-R2Experiment.</summary>
public sealed class PlanItem
{
    public SyncAction Action { get; init; }
    public SyncReason Reason { get; init; }
    public SyncDirection Direction { get; init; }
    /// <summary>Path relative to the local root, with '/'.</summary>
    public string RelativePath { get; init; } = "";
    /// <summary>The full object key (prefix included).</summary>
    public string Key { get; init; } = "";
    /// <summary>Bytes the action moves: the source's size (0 for a delete of a remote object).</summary>
    public long Size { get; init; }
    /// <summary>The absolute local path (the destination for a download).</summary>
    public string LocalPath { get; init; } = "";
    /// <summary>Size of the local file when planned; null when there is none.</summary>
    public long? LocalSize { get; init; }
    /// <summary>Size of the remote object when planned; null when there is none.</summary>
    public long? RemoteSize { get; init; }
    /// <summary>Last write time of the local file when planned.</summary>
    public DateTime? LocalLastWriteUtc { get; init; }
    /// <summary>ETag of the remote object when planned.</summary>
    public string? RemoteETag { get; init; }
    /// <summary>Bucket the plan was made against (not a secret; lets a piped plan find its store).</summary>
    public string? Bucket { get; init; }
    /// <summary>Extra detail, e.g. "compared by size: the object has no MD5".</summary>
    public string? Note { get; init; }

    public override string ToString() => $"{Action} {RelativePath} ({Reason})";
}
