using R2Sync.Engine.Planning;

namespace R2Sync.Engine.Hashing;

/// <summary>MD5s of local files (lower-case hex). Implementations may cache by path, size, mtime and inode.</summary>
public interface IHashProvider
{
    ValueTask<string> GetMd5Async(LocalFile file, CancellationToken ct);
    /// <summary>Persists what was learned (no-op for providers without a cache).</summary>
    void Flush();
    /// <summary>Files whose contents were read to hash them.</summary>
    int FilesRead { get; }
}

/// <summary>Reads every file it is asked about.</summary>
public sealed class DirectHashProvider : IHashProvider
{
    private int _read;
    public int FilesRead => _read;

    public async ValueTask<string> GetMd5Async(LocalFile file, CancellationToken ct)
    {
        Interlocked.Increment(ref _read);
        return await Md5.OfFileAsync(file.FullPath, ct).ConfigureAwait(false);
    }

    public void Flush() { }
}
