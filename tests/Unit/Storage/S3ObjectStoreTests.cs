using R2Sync.Engine.Hashing;
using R2Sync.Engine.Storage;
using R2Sync.Tests.Infrastructure;

namespace R2Sync.Tests.Storage;

[Collection(MotoCollection.Name)]
public class S3ObjectStoreTests
{
    private readonly MotoServer _moto;

    public S3ObjectStoreTests(MotoServer moto) => _moto = moto;

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> e)
    {
        var l = new List<T>();
        await foreach (var x in e) l.Add(x);
        return l;
    }

    [Fact]
    public async Task List_MoreThan1000Keys_PagesThroughAllInUtf8Order()
    {
        var bucket = _moto.NewBucket("page");
        using var store = _moto.Store(bucket);
        using var dir = new TempDir();
        var file = dir.Write("x.json", "{}");
        var keys = Enumerable.Range(0, 1003).Select(i => $"experiments/m/{i:D5}.json").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (k, ct) =>
            await store.UploadAsync(new UploadRequest { Key = k, LocalPath = file, Size = 2 }, null, ct));

        var listed = await ToListAsync(store.ListAsync("experiments/", default));

        Assert.Equal(keys, listed.Select(o => o.Key).ToList());
        Assert.All(listed, o => Assert.Equal(2, o.Size));
    }

    [Fact]
    public async Task List_EmptyBucketAndEmptyPrefix_YieldNothing()
    {
        var bucket = _moto.NewBucket("empty");
        using var store = _moto.Store(bucket);

        Assert.Empty(await ToListAsync(store.ListAsync("", default)));
        Assert.Empty(await ToListAsync(store.ListAsync("experiments/", default)));
    }

    [Fact]
    public async Task Upload_WithMd5AndMtime_StoresRcloneMetadataAndAnMd5Etag()
    {
        var bucket = _moto.NewBucket("meta");
        using var store = _moto.Store(bucket);
        using var dir = new TempDir();
        var file = dir.Write("v.json", "{\"values\":[1,2,3]}");
        var md5 = await Md5.OfFileAsync(file, default);
        var mtime = new DateTime(2025, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1234567);

        await store.UploadAsync(new UploadRequest { Key = "experiments/v.json", LocalPath = file, Size = new FileInfo(file).Length, Md5Hex = md5, LastWriteUtc = mtime }, null, default);
        var head = await store.HeadAsync("experiments/v.json", default);

        Assert.NotNull(head);
        Assert.Equal(md5, head!.ETag);
        Assert.Equal(md5, head.MetadataMd5Hex);
        Assert.Equal(mtime, head.MetadataMtimeUtc);
    }

    [Fact]
    public async Task Download_WritesTheBytesAndReportsTheirMd5()
    {
        var bucket = _moto.NewBucket("get");
        using var store = _moto.Store(bucket);
        using var dir = new TempDir();
        var file = dir.Write("a.bin", new string('z', 100_000));
        var md5 = await Md5.OfFileAsync(file, default);
        await store.UploadAsync(new UploadRequest { Key = "k/a.bin", LocalPath = file, Size = 100_000, Md5Hex = md5 }, null, default);
        var dest = Path.Combine(dir.Path, "copy.bin");

        var r = await store.DownloadAsync("k/a.bin", dest, null, default);

        Assert.Equal(md5, r.ReceivedMd5Hex);
        Assert.Equal(100_000, r.Size);
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(dest));
    }

    [Fact]
    public async Task Upload_IfNoneMatchOnAnExistingKey_FailsWithPreconditionFailed()
    {
        var bucket = _moto.NewBucket("cond");
        using var store = _moto.Store(bucket);
        using var dir = new TempDir();
        var file = dir.Write("a.json", "1");
        await store.UploadAsync(new UploadRequest { Key = "a.json", LocalPath = file, Size = 1, IfNoneMatch = true }, null, default);

        var e = await Assert.ThrowsAsync<StoreException>(() =>
            store.UploadAsync(new UploadRequest { Key = "a.json", LocalPath = file, Size = 1, IfNoneMatch = true }, null, default));

        Assert.Equal(StoreErrorKind.PreconditionFailed, e.Kind);
    }

    [Fact]
    public async Task Check_MissingBucket_IsBucketNotFound()
    {
        using var store = _moto.Store("no-such-bucket-" + Guid.NewGuid().ToString("N")[..8]);

        var e = await Assert.ThrowsAsync<StoreException>(() => store.CheckAsync(default));

        Assert.Equal(StoreErrorKind.BucketNotFound, e.Kind);
    }

    [Fact]
    public async Task Check_NothingListening_IsUnreachable()
    {
        using var store = _moto.Store("b-x", endpoint: $"http://127.0.0.1:{MotoServer.FreePort()}");

        var e = await Assert.ThrowsAsync<StoreException>(() => store.CheckAsync(default));

        Assert.Equal(StoreErrorKind.Unreachable, e.Kind);
    }

    [Fact]
    public async Task Delete_BatchOfKeys_RemovesThem()
    {
        var bucket = _moto.NewBucket("del");
        using var store = _moto.Store(bucket);
        using var dir = new TempDir();
        var file = dir.Write("a.json", "1");
        var keys = Enumerable.Range(0, 30).Select(i => $"d/{i}.json").ToList();
        foreach (var k in keys) await store.UploadAsync(new UploadRequest { Key = k, LocalPath = file, Size = 1 }, null, default);

        var failures = await store.DeleteAsync(keys.Take(20).ToList(), default);

        Assert.Empty(failures);
        Assert.Equal(keys.Skip(20).OrderBy(k => k, StringComparer.Ordinal), (await ToListAsync(store.ListAsync("d/", default))).Select(o => o.Key));
    }
}
