using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using R2Sync.Engine.Hashing;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;

namespace R2Sync.Tests.Sync;

/// <summary>
/// Pull planning streams: an object missing locally is downloaded while the listing is still going. The store
/// holds its last page back until it sees a download (or gives up after a few seconds), so the test fails when
/// downloads wait for the whole listing. Deletes (local-only files) still wait for the end of the listing.
/// </summary>
public sealed class StreamingPullPlanTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "r2s-pullstream-" + Guid.NewGuid().ToString("N")[..10]);

    public StreamingPullPlanTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "k"));
        File.WriteAllText(Path.Combine(_root, "k", "kept.json"), "12345");   // on both sides, same size
        File.WriteAllText(Path.Combine(_root, "k", "local-only.json"), "x"); // deleted by a Full pull
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    private static readonly byte[] Body = "{\"new\":true}"u8.ToArray();
    private static readonly string BodyMd5 = Md5.ToHex(MD5.HashData(Body));

    private sealed class HoldingStore : IObjectStore
    {
        public readonly TaskCompletionSource FirstDownload = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool DownloadSeenBeforeListingEnded;
        public readonly List<string> Downloaded = new();

        public string Describe(string key) => "mem://" + key;
        public bool SupportsConditionalCreate => false;

        public async IAsyncEnumerable<RemoteObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
        {
            yield return new RemoteObject(prefix + "a/new.json", Body.Length, BodyMd5, DateTime.UtcNow);
            // Hold the rest of the listing back until a download starts (or 5 s pass).
            await Task.WhenAny(FirstDownload.Task, Task.Delay(5000, ct));
            DownloadSeenBeforeListingEnded = FirstDownload.Task.IsCompleted;
            yield return new RemoteObject(prefix + "k/kept.json", 5, new string('0', 32), DateTime.UtcNow);
        }

        public async Task<DownloadResult> DownloadAsync(string key, string destinationPath, Action<long>? bytesReceived, CancellationToken ct)
        {
            lock (Downloaded) Downloaded.Add(key);
            FirstDownload.TrySetResult();
            await File.WriteAllBytesAsync(destinationPath, Body, ct);
            return new DownloadResult { Size = Body.Length, ETag = BodyMd5, LastModifiedUtc = DateTime.UtcNow, ReceivedMd5Hex = BodyMd5 };
        }

        public Task UploadAsync(UploadRequest request, Action<long>? bytesSent, CancellationToken ct) => throw new NotSupportedException();
        public Task<ObjectInfo?> HeadAsync(string key, CancellationToken ct) => Task.FromResult<ObjectInfo?>(null);
        public Task<IReadOnlyList<DeleteFailure>> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct) => Task.FromResult<IReadOnlyList<DeleteFailure>>(Array.Empty<DeleteFailure>());
        public Task CheckAsync(CancellationToken ct) => Task.CompletedTask;
        public void Dispose() { }
    }

    [Fact]
    public async Task Pull_RemoteOnlyKey_DownloadsBeforeTheListingEnds_AndDeletesWaitForTheEnd()
    {
        using var store = new HoldingStore();
        var options = new SyncOptions
        {
            Mode = SyncMode.Full, Direction = SyncDirection.Pull, LocalRoot = _root, Prefix = "experiments/", Transfers = 2, Checkers = 2, RetryCount = 0,
        };

        var (events, summary) = await HostDriver.RunAsync(store, options);
        var planned = events.OfType<ItemPlanned>().Select(p => p.Item).ToList();

        Assert.True(store.DownloadSeenBeforeListingEnded, "the download of a/new.json waited for the whole listing");
        Assert.Equal(new[] { "experiments/a/new.json" }, store.Downloaded);
        Assert.Equal(Body, File.ReadAllBytes(Path.Combine(_root, "a", "new.json")));
        Assert.Equal(new[] { (SyncAction.Download, "a/new.json"), (SyncAction.Delete, "k/local-only.json") },
            planned.Select(i => (i.Action, i.RelativePath)).ToArray());
        Assert.False(File.Exists(Path.Combine(_root, "k", "local-only.json")));
        Assert.True(File.Exists(Path.Combine(_root, "k", "kept.json")));
        Assert.Equal((1, 1, 0), (summary.Downloaded, summary.Deleted, summary.Failed));
    }
}
