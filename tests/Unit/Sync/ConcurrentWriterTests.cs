using R2Sync.Engine.Hashing;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;
using R2Sync.Tests.Infrastructure;

namespace R2Sync.Tests.Sync;

/// <summary>Two machines pushing to one bucket: an object written by someone else between plan and upload.</summary>
[Collection(MotoCollection.Name)]
public class ConcurrentWriterTests
{
    private readonly MotoServer _moto;

    public ConcurrentWriterTests(MotoServer moto) => _moto = moto;

    /// <summary>Runs a push like the cmdlet's pump, calling <paramref name="beforeSubmit"/> on the pump thread for each planned item.</summary>
    private static async Task<(SyncSummary? Summary, List<ItemFailed> Failures)> PushAsync(S3ObjectStore store, string root, Func<PlanItem, Task> beforeSubmit)
    {
        using var run = new SyncRun(store, new SyncOptions { LocalRoot = root, Mode = SyncMode.Fast, Direction = SyncDirection.Push, Transfers = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });
        var task = run.RunAsync(null, false, default);
        var failures = new List<ItemFailed>();
        SyncSummary? summary = null;
        await foreach (var ev in run.Events.ReadAllAsync())
        {
            switch (ev)
            {
                case ItemPlanned p: await beforeSubmit(p.Item); run.Submit(p.Item); break;
                case PlanCompleted: run.EndSubmissions(); break;
                case DeletesPending: run.DecideDeletes(true); break;
                case ItemFailed failed: failures.Add(failed); break;
                case RunCompleted rc: summary = rc.Summary; break;
            }
        }
        await task;
        return (summary, failures);
    }

    [Fact]
    public async Task Push_FastNewKeyWrittenBySomeoneElseAfterThePlan_IsReportedAndNotOverwritten()
    {
        var bucket = _moto.NewBucket("race");
        using var store = _moto.Store(bucket);
        using var other = _moto.Store(bucket);
        using var dir = new TempDir();
        dir.Write("m/contested.json", "{\"mine\": true}");
        dir.Write("m/free.json", "{\"free\": true}");
        var theirs = dir.Write("../theirs-" + Guid.NewGuid().ToString("N") + ".json", "{\"theirs\": 1}");
        var theirMd5 = await Md5.OfFileAsync(theirs, default);

        var (summary, failures) = await PushAsync(store, dir.Path, async item =>
        {
            if (item.RelativePath == "m/contested.json")
                await other.UploadAsync(new UploadRequest { Key = item.Key, LocalPath = theirs, Size = new FileInfo(theirs).Length, Md5Hex = theirMd5 }, null, default);
        });
        File.Delete(theirs);

        var f = Assert.Single(failures);
        Assert.Equal(ErrorIds.ObjectExists, f.ErrorId);
        Assert.Equal(FailureKind.ResourceExists, f.Kind);
        Assert.Contains("experiments/m/contested.json", f.Target);
        var head = await store.HeadAsync("experiments/m/contested.json", default);
        Assert.Equal(theirMd5, head!.ETag!.Trim('"').ToLowerInvariant());
        Assert.Equal(1, summary!.Uploaded);
        Assert.Equal(1, summary.Failed);
    }

    [Fact]
    public async Task Push_FastNewKeyWrittenWithIdenticalBytesAfterThePlan_IsNotAFailure()
    {
        var bucket = _moto.NewBucket("race-same");
        using var store = _moto.Store(bucket);
        using var dir = new TempDir();
        var mine = dir.Write("m/same.json", "{\"same\": true}");
        var md5 = await Md5.OfFileAsync(mine, default);

        var (summary, failures) = await PushAsync(store, dir.Path, item =>
            store.UploadAsync(new UploadRequest { Key = item.Key, LocalPath = mine, Size = new FileInfo(mine).Length, Md5Hex = md5 }, null, default));

        Assert.Empty(failures);
        Assert.Equal(0, summary!.Failed);
        Assert.Equal(0, summary.Uploaded);
    }
}
