using R2Sync.Engine.Scanning;

using Microsoft.Extensions.FileSystemGlobbing;

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

/// <summary>GlobSet must agree with Microsoft.Extensions.FileSystemGlobbing, whose semantics it compiles.</summary>
public class GlobSetTests
{
    public static TheoryData<string> Patterns() => new()
    {
        "**/activations/**", "**/val_activations/**", "**/inference/raw/**", "**/*.pyc", "**/__pycache__/**", "**/.DS_Store",
        "*.json", "m/**", "m/*/x.json", "**/loras/**", "a/**/b/*.pt", "**/p0000*.json", "exp 1/**", "**/a+b (1)/**",
    };

    private static readonly string[] Paths =
    {
        "activations/x.pt", "m/activations/x.pt", "m/a/b/activations/c/d.pt", "m/activations_summary.json", "m/my_activations/x.pt",
        "m/val_activations/x", "m/inference/raw/r/p.pt", "m/inference/raw_summary.json", "inference/raw/x", "m/raw/inference/x",
        "x.pyc", "m/x.pyc", "m/x.pyc.json", "m/__pycache__/a", "__pycache__/a/b", ".DS_Store", "m/.DS_Store", "m/DS_Store",
        "a.json", "m/a.json", "m/x.json", "m/y/x.json", "m/y/z/x.json", "m", "mm/x.json", "a/b/c.pt", "a/x/b/c.pt", "a/x/y/b/c.pt",
        "a/b/c/d.pt", "m/loras/l.bin", "loras/l.bin", "m/inference/c/t/residual_stream/p00001.json", "p00001.json",
        "exp 1/a.json", "exp 1", "q/a+b (1)/z", "q/a+b (1)",
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void IsMatch_AgreesWithFileSystemGlobbing(string pattern)
    {
        var reference = new Microsoft.Extensions.FileSystemGlobbing.Matcher(StringComparison.Ordinal);
        reference.AddInclude(pattern);
        var ours = new GlobSet(new[] { pattern });

        foreach (var p in Paths)
            Assert.True(reference.Match(p).HasMatches == ours.IsMatch(p), $"'{pattern}' vs '{p}': FileSystemGlobbing says {reference.Match(p).HasMatches}");
    }
}
