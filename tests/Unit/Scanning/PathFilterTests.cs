using R2Sync.Engine.Scanning;

namespace R2Sync.Tests.Scanning;

public class PathFilterTests
{
    private readonly PathFilter _default = new();

    [Theory]
    [InlineData("gemma/extraction/chirp/humor/activations/layer_08.pt")]
    [InlineData("activations/x.pt")]
    [InlineData("m/extraction/c/t/val_activations/a.pt")]
    [InlineData("m/inference/raw/residual/p1.pt")]
    [InlineData("m/deep/er/inference/raw/x.json")]
    [InlineData("m/x.pyc")]
    [InlineData("m/__pycache__/mod.cpython-311.pyc")]
    [InlineData("m/__pycache__/notes.txt")]
    [InlineData("m/a/.DS_Store")]
    [InlineData(".DS_Store")]
    [InlineData("m/a/.r2sync.0123abcd.tmp")]
    public void IsExcluded_DefaultExcludes_MatchNestedPaths(string rel) => Assert.True(_default.IsExcluded(rel));

    [Theory]
    [InlineData("m/activations_summary.json")]
    [InlineData("m/extraction/activations.json")]
    [InlineData("m/my_activations/x.pt")]
    [InlineData("m/inference/raw_summary.json")]
    [InlineData("m/inference/rawdata/x.json")]
    [InlineData("m/raw/inference/x.json")]
    [InlineData("m/x.pyc.json")]
    [InlineData("m/DS_Store")]
    [InlineData("m/vectors/layer_08.pt")]
    public void IsExcluded_NearMisses_AreSynced(string rel) => Assert.False(_default.IsExcluded(rel));

    [Fact]
    public void Exclude_ExtraPattern_AddsToTheDefaults()
    {
        var f = new PathFilter(new[] { "**/loras/**" });

        Assert.True(f.IsExcluded("m/loras/a.safetensors"));
        Assert.True(f.IsExcluded("m/activations/a.pt"));
        Assert.False(f.IsExcluded("m/results.json"));
    }

    [Fact]
    public void Include_ReadmitsWhatAnExcludeDrops()
    {
        var f = new PathFilter(new[] { "**/loras/**" }, new[] { "**/loras/**" });

        Assert.False(f.IsExcluded("m/loras/a.safetensors"));
        Assert.True(f.IsExcluded("m/activations/a.pt"));
    }

    [Fact]
    public void Include_NeverReadmitsTemporaryFiles()
    {
        var f = new PathFilter(includes: new[] { "**/*" });

        Assert.True(f.IsExcluded("m/.r2sync.abc.tmp"));
    }

    [Theory]
    [InlineData("/abs/**")]
    [InlineData("a/***/b")]
    [InlineData("a**/b")]
    [InlineData("a/[ab]/c")]
    public void Constructor_BadGlob_ThrowsInvalidGlobNamingThePattern(string glob)
    {
        var e = Assert.Throws<InvalidGlobException>(() => new PathFilter(new[] { glob }));
        Assert.Contains(glob.Trim(), e.Message);
    }
}
