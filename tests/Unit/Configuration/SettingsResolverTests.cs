using R2Sync.Engine.Configuration;
using R2Sync.Tests.Infrastructure;

namespace R2Sync.Tests.Configuration;

public class SettingsResolverTests
{
    private static Dictionary<string, string?> Env(params (string, string)[] kv) => kv.ToDictionary(p => p.Item1, p => (string?)p.Item2);

    private static readonly Dictionary<string, string?> FullEnv = Env(
        ("R2_ENDPOINT", "http://env:9000"), ("R2_BUCKET_NAME", "env-bucket"), ("R2_ACCESS_KEY_ID", "envkey"), ("R2_SECRET_ACCESS_KEY", "envsecret"));

    [Fact]
    public void Resolve_ParameterBeatsEnvironment()
    {
        var s = SettingsResolver.Resolve(new SettingsInput { Bucket = "param-bucket", Endpoint = "http://param:1" }, FullEnv, null);

        Assert.Equal("param-bucket", s.Bucket);
        Assert.Equal("http://param:1", s.Endpoint);
        Assert.Equal("envkey", s.AccessKeyId);
        Assert.Equal("parameter -Bucket", s.Sources.Single(x => x.Name == "bucket").Source);
    }

    [Fact]
    public void Resolve_EnvironmentBeatsDotEnv_DotEnvFillsTheRest()
    {
        using var dir = new TempDir();
        dir.Write(".env", "R2_BUCKET_NAME=dotenv-bucket\nR2_ENDPOINT=http://dotenv:1\nR2_ACCESS_KEY_ID=dk\nR2_SECRET_ACCESS_KEY=ds\n");

        var s = SettingsResolver.Resolve(new SettingsInput(), Env(("R2_BUCKET_NAME", "env-bucket")), dir.Path);

        Assert.Equal("env-bucket", s.Bucket);
        Assert.Equal("http://dotenv:1", s.Endpoint);
        Assert.Equal("ds", s.SecretAccessKey!.Reveal());
        Assert.StartsWith(".env ", s.Sources.Single(x => x.Name == "endpoint").Source);
    }

    [Fact]
    public void Resolve_AwsVariables_AreFallbacks()
    {
        var env = Env(("AWS_ENDPOINT_URL_S3", "http://aws:1"), ("AWS_ENDPOINT_URL", "http://generic:1"), ("R2_BUCKET_NAME", "b-1"),
            ("AWS_ACCESS_KEY_ID", "ak"), ("AWS_SECRET_ACCESS_KEY", "as"), ("R2_ACCESS_KEY_ID", "r2k"));

        var s = SettingsResolver.Resolve(new SettingsInput(), env, null);

        Assert.Equal("http://aws:1", s.Endpoint);
        Assert.Equal("r2k", s.AccessKeyId);
        Assert.Equal("as", s.SecretAccessKey!.Reveal());
    }

    [Theory]
    [InlineData("R2_ENDPOINT", "Endpoint")]
    [InlineData("R2_BUCKET_NAME", "Bucket")]
    [InlineData("R2_ACCESS_KEY_ID", "Credential")]
    [InlineData("R2_SECRET_ACCESS_KEY", "Credential")]
    public void Resolve_MissingSetting_NamesTheParameterAndTheVariable(string missing, string parameter)
    {
        var env = new Dictionary<string, string?>(FullEnv);
        env.Remove(missing);

        var e = Assert.Throws<MissingSettingException>(() => SettingsResolver.Resolve(new SettingsInput(), env, null));

        Assert.Equal(parameter, e.Parameter);
        Assert.Equal(missing, e.Variable);
        Assert.Contains(missing, e.Message);
        Assert.Contains("-" + parameter, e.Message);
    }

    [Fact]
    public void Resolve_Secret_NeverAppearsInSourcesOrToString()
    {
        var s = SettingsResolver.Resolve(new SettingsInput(), FullEnv, null);

        Assert.DoesNotContain(s.Sources, v => (v.Display ?? "").Contains("envsecret"));
        Assert.DoesNotContain("envsecret", s.SecretAccessKey!.ToString());
        Assert.DoesNotContain("envsecret", s.ToStoreOptions().ToString());
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com")]
    [InlineData("https://acct.r2.cloudflarestorage.com/", "https://acct.r2.cloudflarestorage.com")]
    [InlineData("http://127.0.0.1:9000", "http://127.0.0.1:9000")]
    public void NormalizeEndpoint_AcceptsUrlsAndAccountIds(string input, string expected) =>
        Assert.Equal(expected, SettingsResolver.NormalizeEndpoint(input));

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://host")]
    [InlineData("https://acct.r2.cloudflarestorage.com/bucket")]
    public void NormalizeEndpoint_Malformed_ThrowsInvalidSetting(string input) =>
        Assert.Throws<InvalidSettingException>(() => SettingsResolver.NormalizeEndpoint(input));

    [Theory]
    [InlineData("", "")]
    [InlineData("experiments", "experiments/")]
    [InlineData("/experiments//", "experiments/")]
    [InlineData("a/b", "a/b/")]
    public void NormalizePrefix_EndsWithOneSlash(string input, string expected) =>
        Assert.Equal(expected, SettingsResolver.NormalizePrefix(input));
}
