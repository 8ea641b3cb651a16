using System.Text.Json;
using System.Text.Json.Serialization;

namespace R2Sync.Engine.Configuration;

/// <summary>Transfer and checker counts (0 = the mode default).</summary>
public class ProjectCounts
{
    [JsonPropertyName("transfers")] public int Transfers { get; set; }
    [JsonPropertyName("checkers")] public int Checkers { get; set; }

    internal bool Valid => Transfers is >= 0 and <= 256 && Checkers is >= 0 and <= 256;
}

/// <summary>A mode's counts for both directions, with optional push/pull overrides.</summary>
public sealed class ProjectModeSettings : ProjectCounts
{
    [JsonPropertyName("push")] public ProjectCounts? Push { get; set; }
    [JsonPropertyName("pull")] public ProjectCounts? Pull { get; set; }
}

/// <summary>
/// r2sync.json at the repository root: committed, never holds secrets. Found by walking up from the current folder.
/// </summary>
public sealed class ProjectFile
{
    public const string FileName = "r2sync.json";

    [JsonPropertyName("$schema")] public string? Schema { get; set; }
    /// <summary>The local experiments root, relative to the project file's folder.</summary>
    [JsonPropertyName("localRoot")] public string? LocalRoot { get; set; }
    [JsonPropertyName("bucket")] public string? Bucket { get; set; }
    [JsonPropertyName("endpoint")] public string? Endpoint { get; set; }
    [JsonPropertyName("prefix")] public string? Prefix { get; set; }
    /// <summary>Globs excluded on top of the built-in defaults.</summary>
    [JsonPropertyName("exclude")] public string[]? Exclude { get; set; }
    /// <summary>Named glob groups that are excluded unless asked for with -IncludeGroup.</summary>
    [JsonPropertyName("includeGroups")] public Dictionary<string, string[]>? IncludeGroups { get; set; }
    /// <summary>Per-mode (Fast, Copy, Full, Checksum) transfers/checkers.</summary>
    [JsonPropertyName("modes")] public Dictionary<string, ProjectModeSettings>? Modes { get; set; }

    /// <summary>Where this file was read from (null when built in memory).</summary>
    [JsonIgnore] public string? SourcePath { get; set; }

    /// <summary>The folder holding the file; relative paths in it are relative to this folder.</summary>
    [JsonIgnore] public string? Directory => SourcePath is null ? null : System.IO.Path.GetDirectoryName(SourcePath);

    public static readonly string[] ModeNames = { "Fast", "Copy", "Full", "Checksum" };

    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        PropertyNameCaseInsensitive = false,
    };

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    /// <summary>The nearest r2sync.json in <paramref name="startDirectory"/> or its parents; null when none.</summary>
    public static string? Find(string startDirectory)
    {
        for (var d = new DirectoryInfo(startDirectory); d is not null; d = d.Parent)
        {
            var p = System.IO.Path.Combine(d.FullName, FileName);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>Reads and validates a project file; problems are <see cref="ProjectFileException"/> naming the file and line.</summary>
    public static ProjectFile Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProjectFileException(path, null, $"it cannot be read: {e.Message}");
        }
        return Parse(text, path);
    }

    public static ProjectFile Parse(string text, string path)
    {
        ProjectFile? pf;
        try
        {
            pf = JsonSerializer.Deserialize<ProjectFile>(text, ReadOptions);
        }
        catch (JsonException e)
        {
            long? line = e.LineNumber is { } l ? l + 1 : null;
            string reason;
            if (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
            {
                var name = UnknownName(e.Message) ?? e.Path ?? "?";
                reason = $"unknown key '{name}'{(e.Path is { Length: > 0 } p ? $" at {p}" : "")}; known keys: localRoot, bucket, endpoint, prefix, exclude, includeGroups, modes";
            }
            else
            {
                reason = $"invalid JSON{(e.Path is { Length: > 0 } p ? $" at {p}" : "")}: {FirstSentence(e.Message)}";
            }
            throw new ProjectFileException(path, line, reason);
        }
        if (pf is null) throw new ProjectFileException(path, 1, "it holds null instead of an object");
        pf.SourcePath = path;
        if (pf.Modes is not null)
        {
            foreach (var (mode, m) in pf.Modes)
            {
                if (!ModeNames.Contains(mode, StringComparer.OrdinalIgnoreCase))
                    throw new ProjectFileException(path, LineOf(text, $"\"{mode}\""), $"unknown mode '{mode}' under modes; known modes: {string.Join(", ", ModeNames)}");
                if (m is null || !m.Valid || m.Push is { Valid: false } || m.Pull is { Valid: false })
                    throw new ProjectFileException(path, LineOf(text, $"\"{mode}\""), $"modes.{mode}: transfers and checkers are numbers from 1 to 256");
            }
        }
        if (pf.IncludeGroups is not null)
            foreach (var (name, globs) in pf.IncludeGroups)
                if (globs is null || globs.Length == 0)
                    throw new ProjectFileException(path, LineOf(text, $"\"{name}\""), $"include group '{name}' has no globs");
        if (pf.Bucket is not null || pf.Prefix is not null) { /* validated by the resolver, which names the source */ }
        return pf;
    }

    /// <summary>The transfers/checkers the file sets for a mode; 0 where it sets nothing.</summary>
    public (int Transfers, int Checkers) ForMode(string mode, bool pull)
    {
        if (Modes is null) return (0, 0);
        foreach (var (k, v) in Modes)
        {
            if (!string.Equals(k, mode, StringComparison.OrdinalIgnoreCase) || v is null) continue;
            var d = pull ? v.Pull : v.Push;
            return (d is { Transfers: > 0 } ? d.Transfers : v.Transfers, d is { Checkers: > 0 } ? d.Checkers : v.Checkers);
        }
        return (0, 0);
    }

    /// <summary>The excludes this project adds for a run: its extra excludes, plus every group not asked for.</summary>
    public IReadOnlyList<string> ExcludesFor(IEnumerable<string>? includedGroups)
    {
        var asked = new HashSet<string>(includedGroups ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase);
        var list = new List<string>(Exclude ?? Array.Empty<string>());
        if (IncludeGroups is not null)
            foreach (var (name, globs) in IncludeGroups)
                if (!asked.Contains(name)) list.AddRange(globs);
        return list;
    }

    /// <summary>The starter file Initialize-R2Sync -ProjectFile writes: every default spelled out.</summary>
    public static string Starter(string? bucket, string prefix = SettingsResolver.DefaultPrefix)
    {
        var pf = new ProjectFile
        {
            LocalRoot = "experiments",
            Bucket = bucket,
            Prefix = prefix,
            Exclude = Array.Empty<string>(),
            IncludeGroups = new Dictionary<string, string[]>
            {
                ["loras"] = new[] { "**/loras/**" },
                ["archive"] = new[] { "**/archive/**" },
                ["trajectories"] = new[] { "**/trajectories/**" },
            },
            Modes = new Dictionary<string, ProjectModeSettings>(),
        };
        foreach (var m in ModeNames)
        {
            var mode = Enum.Parse<Planning.SyncMode>(m);
            var (pt, pc) = Sync.ModeDefaults.For(mode, Planning.SyncDirection.Push);
            var (lt, lc) = Sync.ModeDefaults.For(mode, Planning.SyncDirection.Pull);
            pf.Modes[m] = new ProjectModeSettings
            {
                Push = new ProjectCounts { Transfers = pt, Checkers = pc },
                Pull = new ProjectCounts { Transfers = lt, Checkers = lc },
            };
        }
        return JsonSerializer.Serialize(pf, WriteOptions) + "\n";
    }

    private static string? UnknownName(string message)
    {
        var a = message.IndexOf('\'');
        var b = a >= 0 ? message.IndexOf('\'', a + 1) : -1;
        return a >= 0 && b > a ? message[(a + 1)..b] : null;
    }

    private static string FirstSentence(string m)
    {
        var i = m.IndexOf(" Path:", StringComparison.Ordinal);
        return (i > 0 ? m[..i] : m).TrimEnd('.', ' ');
    }

    private static long? LineOf(string text, string needle)
    {
        var i = text.IndexOf(needle, StringComparison.Ordinal);
        if (i < 0) return null;
        return text.AsSpan(0, i).Count('\n') + 1;
    }
}

/// <summary>An unusable project file: names the file and, where known, the line.</summary>
public sealed class ProjectFileException : Exception
{
    public ProjectFileException(string path, long? line, string reason)
        : base($"{path}{(line is { } l ? $":{l}" : "")}: {reason}.")
    {
        FilePath = path;
        Line = line;
    }

    public string FilePath { get; }
    public long? Line { get; }
}
