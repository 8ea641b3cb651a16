using R2Sync.Engine.Scanning;
using R2Sync.Engine.Status;
using R2Sync.Engine.Storage;

namespace R2Sync.Tests.Status;

/// <summary>Get-R2SyncStatus's engine against a real folder store (file:///) and a real local tree.</summary>
public sealed class StatusCalculatorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "r2s-status-" + Guid.NewGuid().ToString("N")[..10]);
    private string Local => Path.Combine(_dir, "local");
    private string BucketRoot => Path.Combine(_dir, "store", "bkt");

    public StatusCalculatorTests()
    {
        Write(Local, "root.txt", "top-level file");
        Write(Local, "exp1/a.json", "aaaaaaaaaa");
        Write(Local, "exp1/b.json", "bbbbb");
        Write(Local, "exp1/activations/x.pt", "excluded by default");
        Write(Local, "exp2/only-local.json", "L");
        Write(BucketRoot, "experiments/exp1/a.json", "aaaaaaaaaa");
        Write(BucketRoot, "experiments/exp1/b.json", "zzzzz"); // same size, other content
        Write(BucketRoot, "experiments/exp1/gone.json", "deleted locally");
        Write(BucketRoot, "experiments/exp1/activations/y.pt", "excluded remotely too");
        Write(BucketRoot, "experiments/exp3/r.json", "remote only");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static void Write(string root, string rel, string text)
    {
        var p = Path.Combine(root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
    }

    private async Task<Dictionary<string, ExperimentStatus>> Compute(bool hash = false, params string[] experiments)
    {
        using var store = StoreFactory.Open(new StoreOptions { Endpoint = new Uri(Path.Combine(_dir, "store")).AbsoluteUri, Bucket = "bkt" });
        var (rows, _) = await StatusCalculator.ComputeAsync(store, new StatusOptions
        {
            LocalRoot = Local, Prefix = "experiments/", Bucket = "bkt", Filter = new PathFilter(null, null), Hash = hash, Experiments = experiments,
        }, CancellationToken.None);
        return rows.ToDictionary(r => r.Experiment);
    }

    [Fact]
    public async Task Status_MixedTree_OneRowPerExperimentWithCountsPerMode()
    {
        var rows = await Compute();
        Assert.Equal(new[] { ".", "exp1", "exp2", "exp3" }, rows.Keys.OrderBy(k => k, StringComparer.Ordinal));

        var e1 = rows["exp1"];
        Assert.Equal((2, 15L, 3, 30L), (e1.LocalFiles, e1.LocalBytes, e1.RemoteFiles, e1.RemoteBytes)); // excludes not counted
        Assert.Equal((0, 0, 1, 1), (e1.PushFast, e1.PushCopy, e1.PushFull, e1.PushChecksum));            // delete gone.json
        Assert.Equal((1, 1, 1, 1), (e1.PullFast, e1.PullCopy, e1.PullFull, e1.PullChecksum));            // download gone.json
        Assert.Equal(2, e1.ToCheck);                                                                       // a and b: same size
        Assert.Equal("RemoteAhead", e1.State);

        Assert.Equal(("LocalOnly", 1, 0, 1), (rows["."].State, rows["."].PushFast, rows["."].PullFast, rows["."].PullFull));
        Assert.Equal(("LocalOnly", 1), (rows["exp2"].State, rows["exp2"].PushFast));
        Assert.Equal(("RemoteOnly", 1, 1), (rows["exp3"].State, rows["exp3"].PullFast, rows["exp3"].PushFull));
    }

    [Fact]
    public async Task Status_WithHash_CountsSameSizeContentChangeInChecksumOnly()
    {
        var e1 = (await Compute(hash: true))["exp1"];
        Assert.Equal(0, e1.ToCheck);
        Assert.Equal((1, 2), (e1.PushFull, e1.PushChecksum));
        Assert.Equal((1, 2), (e1.PullFull, e1.PullChecksum));
        Assert.Equal("Diverged", e1.State);
    }

    [Fact]
    public async Task Status_ScopedToExperiment_ReportsOnlyThatExperiment()
    {
        var rows = await Compute(false, "exp3");
        Assert.Equal(new[] { "exp3" }, rows.Keys);
        Assert.Equal((0, 1, 11L), (rows["exp3"].LocalFiles, rows["exp3"].RemoteFiles, rows["exp3"].RemoteBytes));
    }
}
