using R2Sync.Engine.Planning;

namespace R2Sync.Tests.Planning;

public class PlannerTests
{
    private const string Prefix = "experiments/";
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static LocalFile L(string rel, long size) => new(rel, "/root/" + rel, size, T0);
    private static RemoteObject R(string rel, long size, string? etag = null) => new(Prefix + rel, size, etag ?? new string('a', 32), T0);
    private static PlanOptions O(SyncMode m, SyncDirection d) => new(m, d, Prefix, "/root", "bucket");

    // The change kinds of the table: which sides have the file, and how they differ.
    public enum Change { LocalOnly, RemoteOnly, SizeChanged, SameSizeChanged, Identical }

    private static (LocalFile[] Local, RemoteObject[] Remote) Arrange(Change c) => c switch
    {
        Change.LocalOnly => (new[] { L("a/x.json", 10) }, Array.Empty<RemoteObject>()),
        Change.RemoteOnly => (Array.Empty<LocalFile>(), new[] { R("a/x.json", 10) }),
        Change.SizeChanged => (new[] { L("a/x.json", 10) }, new[] { R("a/x.json", 12) }),
        Change.SameSizeChanged => (new[] { L("a/x.json", 10) }, new[] { R("a/x.json", 10) }),
        _ => (new[] { L("a/x.json", 10) }, new[] { R("a/x.json", 10) }),
    };

    // mode, direction, change -> expected action (null: nothing), expected reason, whether an MD5 compare is needed
    public static TheoryData<SyncMode, SyncDirection, Change, SyncAction?, SyncReason?, bool> Table()
    {
        var t = new TheoryData<SyncMode, SyncDirection, Change, SyncAction?, SyncReason?, bool>();
        foreach (var m in Enum.GetValues<SyncMode>())
        {
            bool deletes = m is SyncMode.Full or SyncMode.Checksum;
            bool sizes = m != SyncMode.Fast;
            // push
            t.Add(m, SyncDirection.Push, Change.LocalOnly, SyncAction.Upload, SyncReason.New, false);
            t.Add(m, SyncDirection.Push, Change.RemoteOnly, deletes ? SyncAction.Delete : null, deletes ? SyncReason.Deleted : null, false);
            t.Add(m, SyncDirection.Push, Change.SizeChanged, sizes ? SyncAction.Upload : null, sizes ? SyncReason.SizeChanged : null, false);
            t.Add(m, SyncDirection.Push, Change.SameSizeChanged, null, null, m == SyncMode.Checksum);
            // pull
            t.Add(m, SyncDirection.Pull, Change.RemoteOnly, SyncAction.Download, SyncReason.New, false);
            t.Add(m, SyncDirection.Pull, Change.LocalOnly, deletes ? SyncAction.Delete : null, deletes ? SyncReason.Deleted : null, false);
            t.Add(m, SyncDirection.Pull, Change.SizeChanged, sizes ? SyncAction.Download : null, sizes ? SyncReason.SizeChanged : null, false);
            t.Add(m, SyncDirection.Pull, Change.SameSizeChanged, null, null, m == SyncMode.Checksum);
        }
        return t;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Plan_ModeDirectionChange_GivesTheTableAction(SyncMode mode, SyncDirection dir, Change change,
        SyncAction? action, SyncReason? reason, bool needsHash)
    {
        var (local, remote) = Arrange(change);

        var result = Planner.Plan(local, remote, O(mode, dir));

        if (action is null) Assert.Empty(result.Items);
        else
        {
            var item = Assert.Single(result.Items);
            Assert.Equal(action, item.Action);
            Assert.Equal(reason, item.Reason);
            Assert.Equal(dir, item.Direction);
            Assert.Equal("a/x.json", item.RelativePath);
            Assert.Equal(Prefix + "a/x.json", item.Key);
        }
        Assert.Equal(needsHash, result.NeedsHash.Count == 1);
    }

    [Theory]
    [InlineData(SyncDirection.Push, SyncAction.Upload)]
    [InlineData(SyncDirection.Pull, SyncAction.Download)]
    public void DecideByHash_DifferentMd5_EmitsContentChanged(SyncDirection dir, SyncAction expected)
    {
        var result = Planner.Plan(new[] { L("a/x.json", 10) }, new[] { R("a/x.json", 10) }, O(SyncMode.Checksum, dir));
        var c = Assert.Single(result.NeedsHash);

        var item = Planner.DecideByHash(c, new string('b', 32), new string('a', 32), O(SyncMode.Checksum, dir));

        Assert.NotNull(item);
        Assert.Equal(expected, item!.Action);
        Assert.Equal(SyncReason.ContentChanged, item.Reason);
    }

    [Fact]
    public void DecideByHash_SameMd5OrNoRemoteMd5_EmitsNothing()
    {
        var result = Planner.Plan(new[] { L("a/x.json", 10) }, new[] { R("a/x.json", 10) }, O(SyncMode.Checksum, SyncDirection.Push));
        var c = Assert.Single(result.NeedsHash);
        Assert.Null(Planner.DecideByHash(c, new string('a', 32), new string('a', 32), O(SyncMode.Checksum, SyncDirection.Push)));
        Assert.Null(Planner.DecideByHash(c, new string('a', 32), null, O(SyncMode.Checksum, SyncDirection.Push)));
    }

    [Fact]
    public void Plan_RemoteOnlyKey_InFullMode_EmitsDelete()
    {
        var result = Planner.Plan(Array.Empty<LocalFile>(), new[] { R("old/gone.json", 5) }, O(SyncMode.Full, SyncDirection.Push));

        var item = Assert.Single(result.Items);
        Assert.Equal(SyncAction.Delete, item.Action);
        Assert.Equal("experiments/old/gone.json", item.Key);
    }

    [Fact]
    public void Plan_ExcludedRemoteKey_InFullMode_IsNeverDeleted()
    {
        var remote = new[] { R("m/activations/big.pt", 5), R("m/kept.json", 3) };

        var result = Planner.Plan(new[] { L("m/kept.json", 3) }, remote, O(SyncMode.Full, SyncDirection.Push),
            rel => rel.Contains("/activations/"));

        Assert.Empty(result.Items);
        Assert.Equal(1, result.InSync);
    }

    [Fact]
    public void Plan_ExcludedRemoteKey_OnPull_IsNotDownloaded()
    {
        var result = Planner.Plan(Array.Empty<LocalFile>(), new[] { R("m/activations/big.pt", 5) }, O(SyncMode.Fast, SyncDirection.Pull),
            rel => rel.Contains("/activations/"));

        Assert.Empty(result.Items);
    }

    [Theory]
    [InlineData(SyncMode.Full)]
    [InlineData(SyncMode.Checksum)]
    public void Plan_ExcludedLocalFile_InDeletingPull_IsNeverDeleted(SyncMode mode)
    {
        var local = new[] { L("m/activations/big.pt", 5), L("m/kept.json", 3) };

        var result = Planner.Plan(local, new[] { R("m/kept.json", 3) }, O(mode, SyncDirection.Pull), rel => rel.Contains("/activations/"));

        Assert.Empty(result.Items);
        Assert.Equal(1, result.LocalCount);
    }

    [Fact]
    public void Plan_ExcludedLocalFile_OnPush_IsNotUploaded()
    {
        var result = Planner.Plan(new[] { L("m/activations/big.pt", 5) }, Array.Empty<RemoteObject>(), O(SyncMode.Copy, SyncDirection.Push),
            rel => rel.Contains("/activations/"));

        Assert.Empty(result.Items);
    }

    [Theory]
    [InlineData(SyncDirection.Push)]
    [InlineData(SyncDirection.Pull)]
    public void Plan_KeyUnderASiblingPrefix_InFullMode_IsOutsideTheScope(SyncDirection dir)
    {
        // "experiments2/x" starts with "experiments" but not with the prefix "experiments/".
        var outside = new RemoteObject("experiments2/x.json", 1, null, T0);

        var result = Planner.Plan(Array.Empty<LocalFile>(), new[] { outside }, O(SyncMode.Full, dir));

        Assert.Empty(result.Items);
        Assert.Equal(0, result.RemoteCount);
    }

    [Fact]
    public void Plan_KeyOutsidePrefix_IsIgnored()
    {
        var outside = new RemoteObject("other/x.json", 1, null, T0);

        var result = Planner.Plan(Array.Empty<LocalFile>(), new[] { outside }, O(SyncMode.Full, SyncDirection.Pull));

        Assert.Empty(result.Items);
        Assert.Equal(0, result.RemoteCount);
    }

    [Fact]
    public void Plan_FolderMarkerKey_IsSkipped()
    {
        var marker = new RemoteObject(Prefix + "m/", 0, null, T0);

        var result = Planner.Plan(Array.Empty<LocalFile>(), new[] { marker }, O(SyncMode.Fast, SyncDirection.Pull));

        Assert.Empty(result.Items);
        Assert.Empty(result.Rejected);
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("a/../../escape.json")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b.json")]
    [InlineData("C:/x.json")]
    [InlineData("a//b.json")]
    [InlineData("a/./b.json")]
    [InlineData("bad\0name")]
    public void Plan_UnsafeKey_OnPull_IsRejectedAndNotPlanned(string rel)
    {
        var result = Planner.Plan(Array.Empty<LocalFile>(), new[] { new RemoteObject(Prefix + rel, 1, null, T0), R("ok.json", 1) },
            O(SyncMode.Fast, SyncDirection.Pull));

        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(Prefix + rel, rejected.Key);
        var item = Assert.Single(result.Items);
        Assert.Equal("ok.json", item.RelativePath);
    }

    [Fact]
    public void Plan_DownloadItem_LocalPathIsUnderTheRoot()
    {
        var result = Planner.Plan(Array.Empty<LocalFile>(), new[] { R("m/a b/c.json", 4) }, O(SyncMode.Fast, SyncDirection.Pull));

        var item = Assert.Single(result.Items);
        Assert.Equal(Path.Combine("/root", "m", "a b", "c.json"), item.LocalPath);
        Assert.Null(item.LocalSize);
        Assert.Equal(4, item.RemoteSize);
    }

    [Fact]
    public void Plan_IsPure_SameInputsGiveTheSamePlan()
    {
        var local = new[] { L("b.json", 1), L("a.json", 2), L("c.json", 3) };
        var remote = new[] { R("a.json", 5), R("d.json", 1) };

        var one = Planner.Plan(local, remote, O(SyncMode.Full, SyncDirection.Push)).Items.Select(i => $"{i.Action}:{i.Key}").ToList();
        var two = Planner.Plan(local, remote, O(SyncMode.Full, SyncDirection.Push)).Items.Select(i => $"{i.Action}:{i.Key}").ToList();

        Assert.Equal(one, two);
        Assert.Equal(new[] { "Upload:experiments/a.json", "Delete:experiments/d.json", "Upload:experiments/b.json", "Upload:experiments/c.json" }, one);
    }
}
