using R2Sync.Engine.Hashing;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;
using R2Sync.Tests.Infrastructure;

namespace R2Sync.Tests.Sync;

/// <summary>A local file that changes while it is uploaded: a per-item error, the rest of the run goes on.</summary>
[Collection(MotoCollection.Name)]
public class ChangingFileTests
{
    private readonly MotoServer _moto;

    public ChangingFileTests(MotoServer moto) => _moto = moto;

    /// <summary>The real S3 store, except that the upload of one key appends to its local file mid-request.</summary>
    private sealed class WriterDuringUpload : IObjectStore
    {
        private readonly IObjectStore _inner;
        private readonly string _key;
        public WriterDuringUpload(IObjectStore inner, string key) { _inner = inner; _key = key; }
        public string Describe(string key) => _inner.Describe(key);
        public bool SupportsConditionalCreate => _inner.SupportsConditionalCreate;
        public IAsyncEnumerable<RemoteObject> ListAsync(string prefix, CancellationToken ct) => _inner.ListAsync(prefix, ct);
        public Task<ObjectInfo?> HeadAsync(string key, CancellationToken ct) => _inner.HeadAsync(key, ct);
        public async Task UploadAsync(UploadRequest request, Action<long>? bytesSent, CancellationToken ct)
        {
            await _inner.UploadAsync(request, bytesSent, ct);
            if (request.Key == _key)
            {
                File.AppendAllText(request.LocalPath, "appended while uploading");
                File.SetLastWriteTimeUtc(request.LocalPath, DateTime.UtcNow.AddMinutes(1));
            }
        }
        public Task<DownloadResult> DownloadAsync(string key, string destinationPath, Action<long>? bytesReceived, CancellationToken ct) =>
            _inner.DownloadAsync(key, destinationPath, bytesReceived, ct);
        public Task<IReadOnlyList<DeleteFailure>> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct) => _inner.DeleteAsync(keys, ct);
        public Task CheckAsync(CancellationToken ct) => _inner.CheckAsync(ct);
        public void Dispose() => _inner.Dispose();
    }

    [Fact]
    public async Task Push_FileChangedDuringUpload_IsAPerItemErrorAndTheOthersUpload()
    {
        var bucket = _moto.NewBucket("changing");
        using var dir = new TempDir();
        var changing = dir.Write("m/changing.json", "{\"v\": 1}");
        var originalMd5 = await Md5.OfFileAsync(changing, default);
        for (int i = 0; i < 5; i++) dir.Write($"m/other-{i}.json", $"{{\"i\": {i}}}");
        using var store = new WriterDuringUpload(_moto.Store(bucket), "experiments/m/changing.json");
        using var run = new SyncRun(store, new SyncOptions { LocalRoot = dir.Path, Mode = SyncMode.Copy, Direction = SyncDirection.Push, Transfers = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });

        var task = run.RunAsync(null, false, default);
        var failures = new List<ItemFailed>();
        SyncSummary? summary = null;
        await foreach (var ev in run.Events.ReadAllAsync())
        {
            switch (ev)
            {
                case ItemPlanned p: run.Submit(p.Item); break;
                case PlanCompleted: run.EndSubmissions(); break;
                case ItemFailed failed: failures.Add(failed); break;
                case RunCompleted rc: summary = rc.Summary; break;
            }
        }
        await task;

        var f = Assert.Single(failures);
        Assert.Equal(ErrorIds.FileChanged, f.ErrorId);
        Assert.Equal("m/changing.json", f.Item!.RelativePath);
        Assert.Equal(5, summary!.Uploaded);
        Assert.Equal(1, summary.Failed);
        // What the bucket holds is one whole version (the one that was read), never a mix.
        var head = await _moto.Store(bucket).HeadAsync("experiments/m/changing.json", default);
        Assert.Equal(originalMd5, head!.ETag!.Trim('"').ToLowerInvariant());
    }
}
