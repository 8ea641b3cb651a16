using R2Sync.Engine.Configuration;
using R2Sync.Tests.Infrastructure;

namespace R2Sync.Tests.Configuration;

/// <summary>The project-file and saved-settings layers of the resolver, with HOME pointed at a temp folder.</summary>
public class ConfigurationLayersTests
{
    private static Dictionary<string, string?> Env(params (string, string)[] kv) => kv.ToDictionary(p => p.Item1, p => (string?)p.Item2);

    private static void SaveUser(TempDir home, string endpoint, string bucket, string prefix = "saved/")
    {
        new UserConfig { Endpoint = endpoint, Bucket = bucket, Prefix = prefix, Profile = "r2sync" }
            .Save(System.IO.Path.Combine(home.Path, ".config", "r2sync", "config.json"));
        CredentialsFile.Write(System.IO.Path.Combine(home.Path, ".aws", "credentials"), "r2sync", "saved-key", new Secret("saved-secret"));
    }

    [Fact]
    public void Resolve_SavedProfile_SuppliesEverythingInACleanHome()
    {
        using var home = new TempDir();
        using var cwd = new TempDir();
        SaveUser(home, "http://saved:1", "saved-bucket");

        var s = SettingsResolver.Resolve(new SettingsInput(), Env(("HOME", home.Path)), cwd.Path);

        Assert.Equal("http://saved:1", s.Endpoint);
        Assert.Equal("saved-bucket", s.Bucket);
        Assert.Equal("saved/", s.Prefix);
        Assert.Equal("saved-key", s.AccessKeyId);
        Assert.Equal("saved-secret", s.SecretAccessKey!.Reveal());
        Assert.StartsWith("profile [r2sync] in ", s.Sources.Single(x => x.Name == "secret access key").Source);
    }

    [Fact]
    public void Resolve_ProjectFileBucket_LosesToEnvironment_BeatsSavedSettings()
    {
        using var home = new TempDir();
        using var repo = new TempDir();
        SaveUser(home, "http://saved:1", "saved-bucket");
        repo.Write("r2sync.json", "{ \"bucket\": \"project-bucket\", \"prefix\": \"proj\" }");
        var sub = System.IO.Path.Combine(repo.Path, "a", "b");
        Directory.CreateDirectory(sub);

        var fromProject = SettingsResolver.Resolve(new SettingsInput(), Env(("HOME", home.Path)), sub);
        var fromEnv = SettingsResolver.Resolve(new SettingsInput(), Env(("HOME", home.Path), ("R2_BUCKET_NAME", "env-bucket")), sub);

        Assert.Equal("project-bucket", fromProject.Bucket);
        Assert.Equal("proj/", fromProject.Prefix);
        Assert.Equal("http://saved:1", fromProject.Endpoint);
        Assert.StartsWith("project file ", fromProject.Sources.Single(x => x.Name == "bucket").Source);
        Assert.Equal("env-bucket", fromEnv.Bucket);
    }

    [Fact]
    public void Resolve_DotEnvKeys_BeatTheSavedProfile()
    {
        using var home = new TempDir();
        using var cwd = new TempDir();
        SaveUser(home, "http://saved:1", "saved-bucket");
        cwd.Write(".env", "R2_ACCESS_KEY_ID=dotenv-key\nR2_SECRET_ACCESS_KEY=dotenv-secret\n");

        var s = SettingsResolver.Resolve(new SettingsInput(), Env(("HOME", home.Path)), cwd.Path);

        Assert.Equal("dotenv-key", s.AccessKeyId);
        Assert.Equal("dotenv-secret", s.SecretAccessKey!.Reveal());
    }

    [Fact]
    public void Resolve_KeyIdWithoutSecret_DoesNotBorrowTheProfileSecret()
    {
        using var home = new TempDir();
        SaveUser(home, "http://saved:1", "saved-bucket");

        var e = Assert.Throws<MissingSettingException>(() =>
            SettingsResolver.Resolve(new SettingsInput(), Env(("HOME", home.Path), ("R2_ACCESS_KEY_ID", "env-key")), null));

        Assert.Equal("R2_SECRET_ACCESS_KEY", e.Variable);
    }

    [Fact]
    public void Resolve_ProfileName_PicksAnotherProfile()
    {
        using var home = new TempDir();
        SaveUser(home, "http://saved:1", "saved-bucket");
        var cred = System.IO.Path.Combine(home.Path, ".aws", "credentials");
        CredentialsFile.Write(cred, "lab", "lab-key", new Secret("lab-secret"));

        var s = SettingsResolver.Resolve(new SettingsInput { ProfileName = "lab" }, Env(("HOME", home.Path)), null);

        Assert.Equal("lab-key", s.AccessKeyId);
        Assert.Equal("lab", s.ProfileName);
    }

    [Fact]
    public void Resolve_NothingAnywhere_MessageNamesInitializeR2Sync()
    {
        using var home = new TempDir();
        var e = Assert.Throws<MissingSettingException>(() => SettingsResolver.Resolve(new SettingsInput(), Env(("HOME", home.Path)), home.Path));
        Assert.Contains("Initialize-R2Sync", e.Message);
        Assert.Contains("R2_ENDPOINT", e.Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void CredentialsFileWrite_ReplacesOnlyItsProfile_Mode600()
    {
        using var home = new TempDir();
        var cred = home.Write(".aws/credentials", "[default]\naws_access_key_id = keep\naws_secret_access_key = keep-secret\n\n[r2sync]\naws_access_key_id = old\naws_secret_access_key = old-secret\n[after]\nx = 1\n");

        CredentialsFile.Write(cred, "r2sync", "new", new Secret("new-secret"));

        var text = File.ReadAllText(cred);
        Assert.DoesNotContain("old", text);
        Assert.Equal("keep", CredentialsFile.Read(cred, "default")!.Value.AccessKeyId);
        Assert.Equal("new-secret", CredentialsFile.Read(cred, "r2sync")!.Value.SecretAccessKey.Reveal());
        Assert.Contains("[after]", text);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cred));
    }

    [Fact]
    public void ProjectFile_UnknownKey_NamesFileAndLine()
    {
        var e = Assert.Throws<ProjectFileException>(() => ProjectFile.Parse("{\n  \"bucket\": \"b\",\n  \"excludes\": []\n}", "/repo/r2sync.json"));
        Assert.Equal(3, e.Line);
        Assert.Contains("/repo/r2sync.json:3", e.Message);
        Assert.Contains("'excludes'", e.Message);
    }

    [Fact]
    public void ProjectFile_UnknownMode_IsAnError()
    {
        var e = Assert.Throws<ProjectFileException>(() => ProjectFile.Parse("{\n \"modes\": {\n  \"Fastest\": { \"transfers\": 4 }\n }\n}", "/r/r2sync.json"));
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void ProjectFile_Starter_RoundTrips_WithModeDefaultsAndGroupsExcluded()
    {
        var pf = ProjectFile.Parse(ProjectFile.Starter("b-1"), "/r/r2sync.json");

        Assert.Equal((32, 64), pf.ForMode("Fast", pull: true));
        Assert.Equal((4, 4), pf.ForMode("Checksum", pull: false));
        Assert.Contains("**/loras/**", pf.ExcludesFor(null));
        Assert.DoesNotContain("**/loras/**", pf.ExcludesFor(new[] { "LORAS" }));
        Assert.Contains("**/archive/**", pf.ExcludesFor(new[] { "loras" }));
    }

    [Fact]
    public void LocalRoot_RailwayVolume_BeatsProjectFile()
    {
        var pf = ProjectFile.Parse("{ \"localRoot\": \"data/exp\" }", "/repo/r2sync.json");

        Assert.Equal("/vol/experiments", LocalRoot.DefaultFor(Env(("RAILWAY_VOLUME_MOUNT_PATH", "/vol")), pf));
        Assert.Equal("/repo/data/exp", LocalRoot.DefaultFor(Env(), pf));
        Assert.Equal("./experiments", LocalRoot.DefaultFor(Env(), null));
    }

    [Fact]
    public void Rclone_Remote_IsImported_EncryptedConfig_IsRefused()
    {
        using var dir = new TempDir();
        var conf = dir.Write("rclone.conf", "[r2]\ntype = s3\nprovider = Cloudflare\naccess_key_id = ak\nsecret_access_key = sk\nendpoint = https://acct.r2.cloudflarestorage.com\n");
        var enc = dir.Write("enc.conf", "# Encrypted rclone configuration File\n\nRCLONE_ENCRYPT_V0:\nabc=\n");

        var r = RcloneConfig.Read(conf, "r2:my-bucket/sub");

        Assert.Equal("ak", r.AccessKeyId);
        Assert.Equal("sk", r.SecretAccessKey!.Reveal());
        Assert.Equal("my-bucket", r.Bucket);
        var e = Assert.Throws<InvalidSettingException>(() => RcloneConfig.Read(enc, "r2"));
        Assert.Contains("encrypted", e.Message);
        Assert.Throws<InvalidSettingException>(() => RcloneConfig.Read(conf, "missing"));
    }
}
