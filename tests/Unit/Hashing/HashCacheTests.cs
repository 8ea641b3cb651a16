using R2Sync.Engine.Hashing;
using R2Sync.Engine.Planning;
using R2Sync.Tests.Infrastructure;

namespace R2Sync.Tests.Hashing;

public class HashCacheTests
{
    private static readonly DateTime Old = new(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    private static LocalFile Local(string root, string rel)
    {
        var fi = new FileInfo(Path.Combine(root, rel));
        return new LocalFile(rel, fi.FullName, fi.Length, fi.LastWriteTimeUtc);
    }

    private static (TempDir Root, TempDir Cache) Setup(params (string Rel, string Content)[] files)
    {
        var root = new TempDir();
        foreach (var (rel, content) in files)
        {
            var p = root.Write(rel, content);
            File.SetLastWriteTimeUtc(p, Old);
        }
        return (root, new TempDir());
    }

    [Fact]
    public async Task SecondRun_UnchangedFiles_ReadsNoFileContents()
    {
        var (root, cache) = Setup(("a/x.json", "{\"x\":1}"), ("a/y.json", "{\"y\":2}"));
        using var _r = root; using var _c = cache;
        var first = HashCache.Open(root.Path, cache.Path);
        var md5 = await first.GetMd5Async(Local(root.Path, "a/x.json"), default);
        await first.GetMd5Async(Local(root.Path, "a/y.json"), default);
        first.Flush();

        var second = HashCache.Open(root.Path, cache.Path);
        Assert.Equal(md5, await second.GetMd5Async(Local(root.Path, "a/x.json"), default));
        await second.GetMd5Async(Local(root.Path, "a/y.json"), default);

        Assert.Equal(2, first.FilesRead);
        Assert.Equal(0, second.FilesRead);
        Assert.Equal(2, second.Hits);
        Assert.Null(second.RebuildReason);
    }

    [Fact]
    public async Task ChangedContentWithNewMtime_IsReadAgain()
    {
        var (root, cache) = Setup(("x.json", "{\"x\":1}"));
        using var _r = root; using var _c = cache;
        var first = HashCache.Open(root.Path, cache.Path);
        var before = await first.GetMd5Async(Local(root.Path, "x.json"), default);
        first.Flush();
        var p = Path.Combine(root.Path, "x.json");
        File.WriteAllText(p, "{\"x\":2}"); // same size, new content
        File.SetLastWriteTimeUtc(p, Old.AddSeconds(1));

        var second = HashCache.Open(root.Path, cache.Path);
        var after = await second.GetMd5Async(Local(root.Path, "x.json"), default);

        Assert.NotEqual(before, after);
        Assert.Equal(await Md5.OfFileAsync(p, default), after);
        Assert.Equal(1, second.FilesRead);
    }

    [Fact]
    public async Task ChangedInode_IsReadAgain()
    {
        var (root, cache) = Setup(("x.json", "{\"x\":1}"));
        using var _r = root; using var _c = cache;
        var first = HashCache.Open(root.Path, cache.Path);
        var f = Local(root.Path, "x.json");
        await first.GetMd5Async(new LocalFile(f.RelativePath, f.FullPath, f.Size, f.LastWriteUtc) { Inode = 11 }, default);
        first.Flush();

        var second = HashCache.Open(root.Path, cache.Path);
        await second.GetMd5Async(new LocalFile(f.RelativePath, f.FullPath, f.Size, f.LastWriteUtc) { Inode = 12 }, default);

        Assert.Equal(1, second.FilesRead);
    }

    [Theory]
    [InlineData("r2sync-hashcache 0\n", "another version")]
    [InlineData("", "another version")]
    [InlineData(null, "corrupt")] // a valid header and a lying entry, but no end marker: truncated
    public async Task ForeignOrCorruptCacheFile_IsRebuiltNotTrusted(string? header, string reason)
    {
        var (root, cache) = Setup(("x.json", "{\"x\":1}"));
        using var _r = root; using var _c = cache;
        var f = Local(root.Path, "x.json");
        var lie = new string('0', 32);
        var file = HashCache.FileFor(root.Path, cache.Path);
        File.WriteAllText(file, (header ?? HashCache.Header + "\nroot\t" + Path.GetFullPath(root.Path) + "\n") +
            $"{lie}\t{f.Size}\t{f.LastWriteUtc.Ticks}\t0\tx.json\n");

        var c = HashCache.Open(root.Path, cache.Path);
        var md5 = await c.GetMd5Async(f, default);

        Assert.Equal(await Md5.OfFileAsync(f.FullPath, default), md5);
        Assert.Equal(1, c.FilesRead);
        Assert.Contains(reason, c.RebuildReason);
        c.Flush();
        var rebuilt = HashCache.Open(root.Path, cache.Path);
        Assert.Equal(md5, await rebuilt.GetMd5Async(f, default));
        Assert.Equal(0, rebuilt.FilesRead);
    }

    [Fact]
    public void CacheFolderInsideTheSyncedFolder_IsNeverWritten()
    {
        var (root, cache) = Setup(("x.json", "{}"));
        using var _r = root; using var _c = cache;

        var c = HashCache.Open(root.Path, Path.Combine(root.Path, ".cache"));
        c.Flush();

        Assert.Null(c.FilePath);
        Assert.False(Directory.Exists(Path.Combine(root.Path, ".cache")));
    }

    [Fact]
    public void EachRoot_HasItsOwnFile_InTheCacheFolder()
    {
        using var cache = new TempDir();
        var a = HashCache.FileFor("/data/a/experiments", cache.Path);
        var b = HashCache.FileFor("/data/b/experiments", cache.Path);
        Assert.NotEqual(a, b);
        Assert.Equal(cache.Path, Path.GetDirectoryName(a));
        Assert.Equal(a, HashCache.FileFor("/data/a/experiments/", cache.Path));
    }

    [Fact]
    public void DefaultDirectory_HonoursR2SyncCacheDirThenXdgCacheHome()
    {
        var (oldOverride, oldXdg) = (Environment.GetEnvironmentVariable("R2SYNC_CACHE_DIR"), Environment.GetEnvironmentVariable("XDG_CACHE_HOME"));
        try
        {
            Environment.SetEnvironmentVariable("R2SYNC_CACHE_DIR", "/tmp/r2c-override");
            Assert.Equal("/tmp/r2c-override", HashCache.DefaultDirectory());
            Environment.SetEnvironmentVariable("R2SYNC_CACHE_DIR", null);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/tmp/xdg-cache");
            if (OperatingSystem.IsLinux()) Assert.Equal("/tmp/xdg-cache/r2sync", HashCache.DefaultDirectory());
        }
        finally
        {
            Environment.SetEnvironmentVariable("R2SYNC_CACHE_DIR", oldOverride);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", oldXdg);
        }
    }
}
