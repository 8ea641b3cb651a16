using R2Sync.Engine.Planning;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;

namespace R2Sync.Tests.Sync;

/// <summary>
/// SyncRun end to end with the folder store (file:/// endpoint): real files on both sides, the host loop a
/// cmdlet would run (approve every item, allow deletes), and the engine's checks of supplied (piped) plans.
/// </summary>
public sealed class SyncRunTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "r2s-run-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly string _local;
    private readonly string _bucketRoot;

    public SyncRunTests()
    {
        _local = Path.Combine(_dir, "experiments");
        _bucketRoot = Path.Combine(_dir, "store", "b");
        Directory.CreateDirectory(_local);
        Directory.CreateDirectory(_bucketRoot);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private IObjectStore Store() => StoreFactory.Open(new StoreOptions { Endpoint = new Uri(Path.Combine(_dir, "store")).AbsoluteUri, Bucket = "b" });

    private SyncOptions Options(SyncMode mode, SyncDirection dir, params string[] experiments) => Options(mode, dir, false, experiments);

    private SyncOptions Options(SyncMode mode, SyncDirection dir, bool verifyRemote, params string[] experiments) => new()
    {
        Mode = mode, Direction = dir, LocalRoot = _local, Prefix = "experiments/", Bucket = "b", Experiments = experiments,
        Transfers = 2, Checkers = 2, RetryCount = 0, VerifyRemoteBeforeActing = verifyRemote,
    };

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private string Local(string rel) => Path.Combine(_local, rel);
    private string Remote(string rel) => Path.Combine(_bucketRoot, "experiments", rel);

    private static Task<(List<SyncEvent> Events, SyncSummary Summary)> RunAsync(IObjectStore store, SyncOptions o,
        IReadOnlyList<PlanItem>? plan = null, bool planOnly = false) => HostDriver.RunAsync(store, o, plan, planOnly);

    private static List<PlanItem> Planned(List<SyncEvent> events) => events.OfType<ItemPlanned>().Select(p => p.Item).ToList();

    [Fact]
    public async Task Run_SuppliedUpload_LocalSizeChangedSincePlan_IsReportedStaleAndNotUploaded()
    {
        Write(Local("m/a.json"), "0123456789");
        using var store = Store();
        var (planEvents, _) = await RunAsync(store, Options(SyncMode.Fast, SyncDirection.Push), planOnly: true);
        var plan = Planned(planEvents);
        Assert.Single(plan);
        File.WriteAllText(Local("m/a.json"), "changed, and longer than before");

        var (events, summary) = await RunAsync(store, Options(SyncMode.Fast, SyncDirection.Push), plan);

        Assert.Equal(0, summary.Uploaded);
        Assert.Equal(1, summary.Stale);
        Assert.Equal(0, summary.Failed);
        Assert.False(File.Exists(Remote("m/a.json")));
        Assert.Contains(events.OfType<LogMessage>(), m => m.Level == LogLevel.Warning && m.Text.Contains("m/a.json"));
    }

    [Fact]
    public async Task Run_SuppliedDownload_LocalFileAppearedSincePlan_IsReportedStaleAndNotOverwritten()
    {
        Write(Remote("m/a.json"), "remote content");
        using var store = Store();
        var (planEvents, _) = await RunAsync(store, Options(SyncMode.Fast, SyncDirection.Pull), planOnly: true);
        var plan = Planned(planEvents);
        Assert.Single(plan);
        Write(Local("m/a.json"), "local work, not to be lost");

        var (_, summary) = await RunAsync(store, Options(SyncMode.Fast, SyncDirection.Pull), plan);

        Assert.Equal(0, summary.Downloaded);
        Assert.Equal(1, summary.Stale);
        Assert.Equal("local work, not to be lost", File.ReadAllText(Local("m/a.json")));
    }

    [Fact]
    public async Task Run_SuppliedRemoteDelete_ObjectAlreadyGone_IsReportedStale()
    {
        Write(Remote("m/gone.json"), "x");
        Write(Local("m/kept.json"), "y");
        Write(Remote("m/kept.json"), "y");
        using var store = Store();
        var (planEvents, _) = await RunAsync(store, Options(SyncMode.Full, SyncDirection.Push), planOnly: true);
        var plan = Planned(planEvents);
        Assert.Equal(SyncAction.Delete, Assert.Single(plan).Action);
        File.Delete(Remote("m/gone.json"));

        var (_, summary) = await RunAsync(store, Options(SyncMode.Full, SyncDirection.Push, verifyRemote: true), plan);

        Assert.Equal(0, summary.Deleted);
        Assert.Equal(1, summary.Stale);
    }

    [Fact]
    public async Task Run_SuppliedPlan_ExecutesOnlyTheSuppliedItems()
    {
        Write(Local("m/one.json"), "1");
        Write(Local("m/two.json"), "22");
        Write(Remote("m/old.json"), "333");
        using var store = Store();
        var (planEvents, _) = await RunAsync(store, Options(SyncMode.Full, SyncDirection.Push), planOnly: true);
        var plan = Planned(planEvents);
        Assert.Equal(3, plan.Count);
        var subset = plan.Where(i => i.RelativePath == "m/two.json").ToList();

        var (_, summary) = await RunAsync(store, Options(SyncMode.Full, SyncDirection.Push), subset);

        Assert.Equal(1, summary.Uploaded);
        Assert.Equal(0, summary.Deleted);
        Assert.True(File.Exists(Remote("m/two.json")));
        Assert.False(File.Exists(Remote("m/one.json")));
        Assert.True(File.Exists(Remote("m/old.json")));
    }

    [Fact]
    public async Task Run_FullPushScopedToOneExperiment_NeverDeletesOutsideTheScope()
    {
        Write(Local("a/keep.json"), "k");
        Write(Remote("a/keep.json"), "k");
        Write(Remote("a/stale.json"), "s");
        Write(Remote("b/other.json"), "o");   // another experiment: out of scope
        Write(Remote("a2/sibling.json"), "p"); // a name that starts with the scope's name
        using var store = Store();

        var (events, summary) = await RunAsync(store, Options(SyncMode.Full, SyncDirection.Push, "a"));

        Assert.Equal(new[] { "a/stale.json" }, Planned(events).Where(i => i.Action == SyncAction.Delete).Select(i => i.RelativePath));
        Assert.Equal(1, summary.Deleted);
        Assert.True(File.Exists(Remote("b/other.json")));
        Assert.True(File.Exists(Remote("a2/sibling.json")));
        Assert.False(File.Exists(Remote("a/stale.json")));
    }

    [Fact]
    public async Task Run_FullPullScopedToOneExperiment_NeverDeletesLocalFilesOutsideTheScope()
    {
        Write(Remote("a/keep.json"), "k");
        Write(Local("a/keep.json"), "k");
        Write(Local("a/extra.json"), "e");
        Write(Local("b/mine.json"), "m");
        using var store = Store();

        var (_, summary) = await RunAsync(store, Options(SyncMode.Full, SyncDirection.Pull, "a"));

        Assert.Equal(1, summary.Deleted);
        Assert.False(File.Exists(Local("a/extra.json")));
        Assert.True(File.Exists(Local("b/mine.json")));
    }

    [Fact]
    public async Task Run_FullPush_ExcludedRemoteObject_IsNeverDeleted()
    {
        Write(Local("m/kept.json"), "k");
        Write(Remote("m/kept.json"), "k");
        Write(Remote("m/activations/big.pt"), "regenerable");
        using var store = Store();

        var (_, summary) = await RunAsync(store, Options(SyncMode.Full, SyncDirection.Push));

        Assert.Equal(0, summary.Deleted);
        Assert.True(File.Exists(Remote("m/activations/big.pt")));
    }

    [Fact]
    public async Task Run_Pull_RemovesStaleTempFilesOfAnInterruptedRun()
    {
        Write(Remote("m/a.json"), "a");
        Write(Local("m/.r2sync.0123456789abcdef0123456789abcdef.tmp"), "half a download");
        using var store = Store();

        var (_, summary) = await RunAsync(store, Options(SyncMode.Fast, SyncDirection.Pull));

        Assert.Equal(1, summary.Downloaded);
        Assert.Empty(Directory.GetFiles(_local, ".r2sync.*.tmp", SearchOption.AllDirectories));
    }
}
