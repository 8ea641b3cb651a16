using System.Runtime.CompilerServices;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;

namespace R2Sync.Tests.Sync;

/// <summary>
/// Push planning streams: a local file whose key the listing has already passed is uploaded before the
/// listing ends. The store here lists in UTF-8 order and holds its last page back until it sees an upload
/// (or gives up after a few seconds), so the test fails when uploads wait for the whole listing.
/// </summary>
public sealed class StreamingPlanTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "r2s-stream-" + Guid.NewGuid().ToString("N")[..10]);

    public StreamingPlanTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        File.WriteAllText(Path.Combine(_root, "a", "new.json"), "{}");       // local only, key before every listed key
        File.WriteAllText(Path.Combine(_root, "m.json"), "12345");           // on both sides
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
    }

    private sealed class HoldingStore : IObjectStore
    {
        public readonly TaskCompletionSource FirstUpload = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool UploadSeenBeforeListingEnded;
        public readonly List<string> Uploaded = new();

        public string Describe(string key) => "mem://" + key;
        public bool SupportsConditionalCreate => false;

        public async IAsyncEnumerable<RemoteObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
        {
            yield return new RemoteObject(prefix + "m.json", 5, new string('0', 32), DateTime.UtcNow);
            // Hold the rest of the listing back until an upload starts (or 5 s pass).
            await Task.WhenAny(FirstUpload.Task, Task.Delay(5000, ct));
            UploadSeenBeforeListingEnded = FirstUpload.Task.IsCompleted;
            yield return new RemoteObject(prefix + "z/remote-only.json", 3, new string('0', 32), DateTime.UtcNow);
        }

        public Task UploadAsync(UploadRequest request, Action<long>? bytesSent, CancellationToken ct)
        {
            lock (Uploaded) Uploaded.Add(request.Key);
            FirstUpload.TrySetResult();
            return Task.CompletedTask;
        }

        public Task<ObjectInfo?> HeadAsync(string key, CancellationToken ct) => Task.FromResult<ObjectInfo?>(null);
        public Task<DownloadResult> DownloadAsync(string key, string destinationPath, Action<long>? bytesReceived, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<DeleteFailure>> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct) => Task.FromResult<IReadOnlyList<DeleteFailure>>(Array.Empty<DeleteFailure>());
        public Task CheckAsync(CancellationToken ct) => Task.CompletedTask;
        public void Dispose() { }
    }

    [Fact]
    public async Task Push_LocalOnlyKeyBeforeTheListingPosition_UploadsBeforeTheListingEnds()
    {
        using var store = new HoldingStore();
        var options = new SyncOptions
        {
            Mode = SyncMode.Fast, Direction = SyncDirection.Push, LocalRoot = _root, Prefix = "experiments/", Transfers = 2, Checkers = 2, RetryCount = 0,
        };

        var (_, summary) = await HostDriver.RunAsync(store, options);

        Assert.True(store.UploadSeenBeforeListingEnded, "the upload of a/new.json waited for the whole listing");
        Assert.Equal(new[] { "experiments/a/new.json" }, store.Uploaded);
        Assert.Equal(1, summary.Uploaded);
    }
}
