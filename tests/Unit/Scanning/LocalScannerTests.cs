using R2Sync.Engine.Scanning;
using R2Sync.Tests.Infrastructure;

namespace R2Sync.Tests.Scanning;

public class LocalScannerTests
{
    [Fact]
    public void Scan_SymlinkedFolderAndFile_AreFollowedLikeCopyLinks()
    {
        using var dir = new TempDir();
        var outside = Path.Combine(dir.Path, "outside");
        var root = Path.Combine(dir.Path, "experiments");
        Directory.CreateDirectory(Path.Combine(outside, "shared"));
        File.WriteAllText(Path.Combine(outside, "shared", "vec.json"), "[1,2,3]");
        File.WriteAllText(Path.Combine(outside, "big.pt"), "0123456789");
        Directory.CreateDirectory(Path.Combine(root, "m"));
        Directory.CreateSymbolicLink(Path.Combine(root, "m", "linked"), Path.Combine(outside, "shared"));
        File.CreateSymbolicLink(Path.Combine(root, "m", "weights.pt"), Path.Combine(outside, "big.pt"));

        var scanner = new LocalScanner(new PathFilter());
        var files = scanner.Scan(root).ToDictionary(f => f.RelativePath);

        Assert.Equal(new[] { "m/linked/vec.json", "m/weights.pt" }, files.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(10, files["m/weights.pt"].Size); // the target's size, not the link's
        Assert.Empty(scanner.Problems);
    }

    [Fact]
    public void Scan_LinkLoop_IsReportedAndNotFollowed()
    {
        using var dir = new TempDir();
        var root = Path.Combine(dir.Path, "experiments");
        Directory.CreateDirectory(Path.Combine(root, "m", "a"));
        File.WriteAllText(Path.Combine(root, "m", "a", "x.json"), "{}");
        Directory.CreateSymbolicLink(Path.Combine(root, "m", "a", "back"), Path.Combine(root, "m")); // m/a/back -> m

        var scanner = new LocalScanner(new PathFilter());
        var files = scanner.Scan(root).Select(f => f.RelativePath).ToList();

        Assert.Equal(new[] { "m/a/x.json" }, files);
        var problem = Assert.Single(scanner.Problems);
        Assert.Equal("LinkLoop", problem.Kind);
        Assert.Contains("m/a/back", problem.Message);
    }

    [Fact]
    public void Scan_BrokenLink_IsReportedAndSkipped()
    {
        using var dir = new TempDir();
        var root = Path.Combine(dir.Path, "experiments");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "ok.json"), "{}");
        File.CreateSymbolicLink(Path.Combine(root, "dangling.json"), Path.Combine(dir.Path, "missing.json"));

        var scanner = new LocalScanner(new PathFilter());
        var files = scanner.Scan(root).Select(f => f.RelativePath).ToList();

        Assert.Equal(new[] { "ok.json" }, files);
        Assert.Equal("BrokenLink", Assert.Single(scanner.Problems).Kind);
    }

    [Fact]
    public void Scan_ExcludedAndTemporaryFiles_AreSkippedAndCounted()
    {
        using var dir = new TempDir();
        dir.Write("m/activations/a.pt", "x");
        dir.Write("m/keep.json", "{}");
        dir.Write("m/.r2sync.0123456789abcdef.tmp", "partial");

        var scanner = new LocalScanner(new PathFilter()) { RemoveStaleTempFiles = true };
        var files = scanner.Scan(dir.Path).Select(f => f.RelativePath).ToList();

        Assert.Equal(new[] { "m/keep.json" }, files);
        Assert.Equal(1, scanner.ExcludedCount);
        Assert.Equal(1, scanner.StaleTempFilesRemoved);
        Assert.False(File.Exists(Path.Combine(dir.Path, "m", ".r2sync.0123456789abcdef.tmp")));
    }
}
