using System.Text.Json;
using System.Text.Json.Serialization;

namespace R2Sync.Engine.Configuration;

/// <summary>
/// The saved, non-secret user settings: ~/.config/r2sync/config.json ($XDG_CONFIG_HOME/r2sync/config.json).
/// The keys live in the AWS shared credentials file under <see cref="Profile"/>.
/// </summary>
public sealed class UserConfig
{
    [JsonPropertyName("endpoint")] public string? Endpoint { get; set; }
    [JsonPropertyName("bucket")] public string? Bucket { get; set; }
    [JsonPropertyName("prefix")] public string? Prefix { get; set; }
    [JsonPropertyName("profile")] public string? Profile { get; set; }

    [JsonIgnore] public string? SourcePath { get; set; }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The config file's path from the environment; null when neither XDG_CONFIG_HOME nor HOME is known.</summary>
    public static string? PathFor(IReadOnlyDictionary<string, string?> environment)
    {
        if (environment.TryGetValue("XDG_CONFIG_HOME", out var xdg) && !string.IsNullOrEmpty(xdg))
            return System.IO.Path.Combine(xdg, "r2sync", "config.json");
        if (environment.TryGetValue("HOME", out var home) && !string.IsNullOrEmpty(home))
            return System.IO.Path.Combine(home, ".config", "r2sync", "config.json");
        return null;
    }

    /// <summary>Reads the file; null when it does not exist. A malformed file is an <see cref="InvalidSettingException"/>.</summary>
    public static UserConfig? Load(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        try
        {
            var c = JsonSerializer.Deserialize<UserConfig>(File.ReadAllText(path), Options) ?? new UserConfig();
            c.SourcePath = path;
            return c;
        }
        catch (JsonException e)
        {
            throw new InvalidSettingException("user settings file", path, $"invalid JSON at line {(e.LineNumber ?? 0) + 1}", path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Save(string path)
    {
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Options) + "\n");
        File.Move(tmp, path, overwrite: true);
    }
}
