using R2Sync.Engine.Planning;

namespace R2Sync.Tests.Planning;

/// <summary>Remote keys are untrusted: the keys a bucket can hold but no local path may come from.</summary>
public class KeyPathsTests
{
    [Theory]
    [InlineData("../x.txt", "'..'")]
    [InlineData("a/../../x.txt", "'..'")]
    [InlineData("a/./x.txt", "'.'")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("a\\..\\x.txt", "backslash")]
    [InlineData("C:/x.txt", "drive letter")]
    [InlineData("a/x\0.txt", "NUL")]
    [InlineData("a/x\u0001.txt", "control character")]
    [InlineData("a//x.txt", "empty path segment")]
    public void Validate_UnsafeKey_IsRefusedWithAReason(string rel, string reasonContains)
    {
        var why = KeyPaths.Validate(rel);
        Assert.NotNull(why);
        Assert.Contains(reasonContains, why);
    }

    [Fact]
    public void Validate_SegmentLongerThan255Bytes_IsRefused() =>
        Assert.NotNull(KeyPaths.Validate("a/" + new string('\u00e9', 128) + ".txt"));

    [Theory]
    [InlineData("with space/plus+percent%hash#q?.txt")]
    [InlineData("caf\u00e9/\U0001F680.txt")]
    [InlineData("..dots-in-name../x..y")]
    [InlineData(".hidden")]
    public void Validate_AwkwardButSafeKey_IsAccepted(string rel) => Assert.Null(KeyPaths.Validate(rel));
}
