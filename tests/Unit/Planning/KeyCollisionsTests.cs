using R2Sync.Engine.Planning;

namespace R2Sync.Tests.Planning;

public class KeyCollisionsTests
{
    private const string Nfc = "m/caf\u00e9.txt";
    private const string Nfd = "m/cafe\u0301.txt";

    [Fact]
    public void Find_NfcAndNfdSpellings_AreOneGroup()
    {
        var groups = KeyCollisions.Find(new[] { Nfd, "m/other.txt", Nfc });
        var g = Assert.Single(groups);
        Assert.Equal(new[] { Nfd, Nfc }.OrderBy(x => x, StringComparer.Ordinal), g);
    }

    [Fact]
    public void Find_KeysDifferingOnlyInCase_AreOneGroup()
    {
        var g = Assert.Single(KeyCollisions.Find(new[] { "a/README.md", "a/Readme.md", "a/readme.txt" }));
        Assert.Equal(2, g.Count);
    }

    [Fact]
    public void Find_DistinctNames_HaveNoGroup() =>
        Assert.Empty(KeyCollisions.Find(new[] { "a/x.txt", "a/y.txt", "b/x.txt" }));

    [Theory]
    [InlineData(FileSystemFolding.None, 0, 2)]              // ext4: both pairs land, warning only
    [InlineData(FileSystemFolding.Case, 1, 1)]              // case-insensitive, normalization-preserving (NTFS)
    [InlineData(FileSystemFolding.Normalization, 1, 1)]     // normalizing, case-sensitive
    [InlineData(FileSystemFolding.Unknown, 2, 0)]           // APFS default / probe failed: both pairs collide
    public void Split_DependsOnHowTheFileSystemFolds(FileSystemFolding folding, int colliding, int portable)
    {
        var (c, p) = KeyCollisions.Split(new[] { Nfc, Nfd, "a/README.md", "a/Readme.md", "a/z.txt" }, folding);
        Assert.Equal(colliding, c.Count);
        Assert.Equal(portable, p.Count);
    }

    [Fact]
    public void Probe_OnThisMachinesTempFolder_MatchesWhatTheFileSystemDoes()
    {
        var dir = Directory.CreateTempSubdirectory("r2probe").FullName;
        try
        {
            var folding = KeyCollisions.Probe(Path.Combine(dir, "not", "yet", "created"));
            File.WriteAllText(Path.Combine(dir, "Ab.txt"), "x");
            Assert.Equal(File.Exists(Path.Combine(dir, "aB.txt")), folding.HasFlag(FileSystemFolding.Case));
            Assert.Empty(Directory.GetFiles(dir, ".r2sync.probe.*"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
