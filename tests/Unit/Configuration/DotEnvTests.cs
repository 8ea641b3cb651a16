using R2Sync.Engine.Configuration;

namespace R2Sync.Tests.Configuration;

public class DotEnvTests
{
    [Fact]
    public void Parse_TheGroupsFormat_ReadsKeysValuesQuotesAndComments()
    {
        var text = "# R2 credentials\r\nR2_ACCESS_KEY_ID=abc123\nR2_SECRET_ACCESS_KEY=\"s3cr=t#x\"\n\nR2_ENDPOINT='https://acct.r2.cloudflarestorage.com'\n" +
                   "export R2_BUCKET_NAME=research # trailing comment\nBROKEN LINE\n=novalue\nEMPTY=\nESC=\"a\\nb\"\n";

        var d = DotEnv.Parse(text);

        Assert.Equal("abc123", d["R2_ACCESS_KEY_ID"]);
        Assert.Equal("s3cr=t#x", d["R2_SECRET_ACCESS_KEY"]);
        Assert.Equal("https://acct.r2.cloudflarestorage.com", d["R2_ENDPOINT"]);
        Assert.Equal("research", d["R2_BUCKET_NAME"]);
        Assert.Equal("", d["EMPTY"]);
        Assert.Equal("a\nb", d["ESC"]);
        Assert.Equal(6, d.Count);
    }

    [Fact]
    public void Find_WalksUpToTheNearestDotEnv()
    {
        using var dir = new Infrastructure.TempDir();
        var envPath = dir.Write(".env", "R2_BUCKET_NAME=x\n");
        var deep = Path.Combine(dir.Path, "a", "b");
        Directory.CreateDirectory(deep);

        Assert.Equal(envPath, DotEnv.Find(deep));
    }
}
