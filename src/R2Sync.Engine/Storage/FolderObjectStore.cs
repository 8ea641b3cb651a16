using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using R2Sync.Engine.Hashing;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Scanning;

namespace R2Sync.Engine.Storage;

/// <summary>
/// A store in a local folder: endpoint file:///absolute/path, the bucket a folder inside it, keys are relative
/// file paths. Lets the engine run with no server in the way (tests, benchmarks, a mounted disk mirror).
/// Writes go to a temporary file and are renamed into place.
/// </summary>
public sealed class FolderObjectStore : IObjectStore
{
    private readonly string _bucketRoot;
    private readonly string _bucket;

    public FolderObjectStore(StoreOptions o)
    {
        if (!Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var uri) || !uri.IsFile)
            throw new ArgumentException($"'{o.Endpoint}' is not a file:/// URL.");
        var root = uri.LocalPath;
        if (o.Bucket.Length == 0 || o.Bucket.Contains('/') || o.Bucket.Contains('\\') || o.Bucket is "." or "..")
            throw new ArgumentException($"'{o.Bucket}' is not a valid bucket folder name.");
        _bucket = o.Bucket;
        _bucketRoot = Path.Combine(root, o.Bucket);
    }

    public bool SupportsConditionalCreate => true;

    public string Describe(string key) => $"file://{_bucketRoot}/{key}";

    private string PathOf(string key)
    {
        var problem = KeyPaths.Validate(key);
        if (problem is not null) throw new StoreException(StoreErrorKind.Other, $"{Describe(key)}: {problem}", Describe(key));
        return KeyPaths.ToLocalPath(_bucketRoot, key);
    }

    public async IAsyncEnumerable<RemoteObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        if (!Directory.Exists(_bucketRoot))
            throw new StoreException(StoreErrorKind.BucketNotFound, $"r2://{_bucket}: the bucket does not exist (no folder {_bucketRoot})", $"file://{_bucketRoot}");
        await Task.Yield();
        // Start the walk at the deepest folder the prefix names.
        var slash = prefix.LastIndexOf('/');
        var dirPart = slash >= 0 ? prefix[..(slash + 1)] : "";
        var start = dirPart.Length == 0 ? _bucketRoot : KeyPaths.ToLocalPath(_bucketRoot, dirPart.TrimEnd('/'));
        if (!Directory.Exists(start)) yield break;
        var list = new List<RemoteObject>();
        var opts = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false };
        int rootLen = _bucketRoot.TrimEnd(Path.DirectorySeparatorChar).Length + 1;
        // One directory read per folder, no FileInfo per file: the key is the path below the bucket folder.
        var entries = new System.IO.Enumeration.FileSystemEnumerable<(string Key, long Size, DateTime Mtime)>(start,
            (ref System.IO.Enumeration.FileSystemEntry e) =>
            {
                var full = e.ToFullPath();
                var key = full.Substring(rootLen);
                if (Path.DirectorySeparatorChar != '/') key = key.Replace(Path.DirectorySeparatorChar, '/');
                return (key, e.Length, e.LastWriteTimeUtc.UtcDateTime);
            }, opts)
        {
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry e) => !e.IsDirectory,
        };
        foreach (var (key, size, mtime) in entries)
        {
            ct.ThrowIfCancellationRequested();
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || PathFilter.IsTempFile(key)) continue;
            list.Add(new RemoteObject(key, size, null, mtime));
        }
        list.Sort((a, b) => Utf8Order.Compare(a.Key, b.Key));
        foreach (var o in list) yield return o;
    }

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken ct)
    {
        var p = PathOf(key);
        var f = new FileInfo(p);
        if (!f.Exists) return null;
        return new ObjectInfo
        {
            Key = key, Size = f.Length, LastModifiedUtc = f.LastWriteTimeUtc, MetadataMtimeUtc = f.LastWriteTimeUtc,
            MetadataMd5Hex = await Md5.OfFileAsync(p, ct).ConfigureAwait(false),
        };
    }

    public async Task UploadAsync(UploadRequest u, Action<long>? bytesSent, CancellationToken ct)
    {
        var dest = PathOf(u.Key);
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        var tmp = Path.Combine(Path.GetDirectoryName(dest)!, $".r2sync.{Guid.NewGuid():N}.tmp");
        try
        {
            if (u.Content is { } c)
            {
                using (var h = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous))
                    await RandomAccess.WriteAsync(h, c.AsMemory(), 0, ct).ConfigureAwait(false); // no copy of the body
                bytesSent?.Invoke(c.Count);
            }
            else await CopyAsync(u.LocalPath, tmp, bytesSent, ct).ConfigureAwait(false);
            File.SetLastWriteTimeUtc(tmp, u.LastWriteUtc);
            try
            {
                File.Move(tmp, dest, overwrite: !u.IfNoneMatch);
            }
            catch (IOException) when (u.IfNoneMatch && File.Exists(dest))
            {
                throw new StoreException(StoreErrorKind.PreconditionFailed,
                    $"{Describe(u.Key)}: the object already exists (it was written by someone else since the plan)", Describe(u.Key));
            }
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public async Task<DownloadResult> DownloadAsync(string key, string destinationPath, Action<long>? bytesReceived, CancellationToken ct)
    {
        var src = PathOf(key);
        var f = new FileInfo(src);
        if (!f.Exists) throw new StoreException(StoreErrorKind.NotFound, $"{Describe(key)}: the object does not exist", Describe(key));
        var md5 = await CopyAsync(src, destinationPath, bytesReceived, ct).ConfigureAwait(false);
        return new DownloadResult
        {
            Size = f.Length, LastModifiedUtc = f.LastWriteTimeUtc, MetadataMtimeUtc = f.LastWriteTimeUtc,
            MetadataMd5Hex = md5, ReceivedMd5Hex = md5,
        };
    }

    public Task<IReadOnlyList<DeleteFailure>> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        var failures = new List<DeleteFailure>();
        foreach (var k in keys)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var p = PathOf(k);
                File.Delete(p);
                RemoveEmptyParents(Path.GetDirectoryName(p)!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or StoreException)
            {
                failures.Add(new DeleteFailure(k, e.Message));
            }
        }
        return Task.FromResult<IReadOnlyList<DeleteFailure>>(failures);
    }

    public Task CheckAsync(CancellationToken ct)
    {
        if (!Directory.Exists(_bucketRoot))
            throw new StoreException(StoreErrorKind.BucketNotFound, $"r2://{_bucket}: the bucket does not exist (no folder {_bucketRoot})", $"file://{_bucketRoot}");
        return Task.CompletedTask;
    }

    public void Dispose() { }

    private void RemoveEmptyParents(string dir)
    {
        var root = Path.GetFullPath(_bucketRoot);
        while (Path.GetFullPath(dir).Length > root.Length && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
        {
            try { Directory.Delete(dir); } catch (IOException) { return; }
            dir = Path.GetDirectoryName(dir)!;
        }
    }

    private static async Task<string> CopyAsync(string from, string to, Action<long>? progress, CancellationToken ct)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        await using var src = new FileStream(from, new FileStreamOptions
        {
            Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0, Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
        });
        await using var dst = new FileStream(to, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0, Options = FileOptions.Asynchronous,
        });
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int n;
            while ((n = await src.ReadAsync(buffer.AsMemory(), ct).ConfigureAwait(false)) > 0)
            {
                md5.AppendData(buffer, 0, n);
                await dst.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                progress?.Invoke(n);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return Md5.ToHex(md5.GetHashAndReset());
    }
}

/// <summary>Compares strings in UTF-8 byte order, the order S3 lists keys in.</summary>
public static class Utf8Order
{
    public static int Compare(string a, string b)
    {
        // UTF-16 ordinal order equals UTF-8 byte order except for surrogates vs U+E000..U+FFFF; fix that case up.
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x == y) continue;
            if (char.IsSurrogate(x) != char.IsSurrogate(y) && (x >= 0xD800 && y >= 0xD800))
                return char.IsSurrogate(x) ? 1 : -1;
            return x < y ? -1 : 1;
        }
        return a.Length.CompareTo(b.Length);
    }

    public static readonly IComparer<string> Comparer = Comparer<string>.Create(Compare);
}
