namespace R2Sync.Engine.Configuration;

/// <summary>
/// The standard AWS shared credentials file (~/.aws/credentials or $AWS_SHARED_CREDENTIALS_FILE): INI sections
/// named for profiles with aws_access_key_id and aws_secret_access_key. Other profiles and lines are kept as they are.
/// </summary>
public static class CredentialsFile
{
    public const string DefaultProfile = "r2sync";

    public static string? PathFor(IReadOnlyDictionary<string, string?> environment)
    {
        if (environment.TryGetValue("AWS_SHARED_CREDENTIALS_FILE", out var f) && !string.IsNullOrEmpty(f)) return f;
        if (environment.TryGetValue("HOME", out var home) && !string.IsNullOrEmpty(home))
            return System.IO.Path.Combine(home, ".aws", "credentials");
        return null;
    }

    /// <summary>The keys of a profile; null when the file or the profile does not exist.</summary>
    public static (string AccessKeyId, Secret SecretAccessKey)? Read(string? path, string profile)
    {
        if (path is null || !File.Exists(path)) return null;
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var sections = Ini.Parse(text);
        if (!sections.TryGetValue(profile, out var kv)) return null;
        kv.TryGetValue("aws_access_key_id", out var id);
        kv.TryGetValue("aws_secret_access_key", out var secret);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret)) return null;
        return (id, new Secret(secret));
    }

    public static bool HasProfile(string path, string profile) =>
        File.Exists(path) && Ini.Parse(File.ReadAllText(path)).ContainsKey(profile);

    /// <summary>
    /// Writes (or replaces) a profile. A new file is created with mode 600 (and its folder with 700); an existing
    /// file keeps every other section. The file is replaced atomically, so an interrupted write loses nothing.
    /// </summary>
    public static void Write(string path, string profile, string accessKeyId, Secret secret)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        if (!System.IO.Directory.Exists(dir))
        {
            System.IO.Directory.CreateDirectory(dir);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var lines = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n").Split('\n').ToList() : new List<string>();
        // Drop the old section of this profile (header to the next header).
        var kept = new List<string>();
        bool inTarget = false;
        foreach (var line in lines)
        {
            var t = line.Trim();
            if (t.StartsWith('[') && t.EndsWith(']')) inTarget = string.Equals(t[1..^1].Trim(), profile, StringComparison.Ordinal);
            if (!inTarget) kept.Add(line);
        }
        while (kept.Count > 0 && kept[^1].Trim().Length == 0) kept.RemoveAt(kept.Count - 1);
        if (kept.Count > 0) kept.Add("");
        kept.Add($"[{profile}]");
        kept.Add($"aws_access_key_id = {accessKeyId}");
        kept.Add($"aws_secret_access_key = {secret.Reveal()}");
        kept.Add("");

        var tmp = path + ".r2sync-tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var fs = new FileStream(tmp, options))
        using (var w = new StreamWriter(fs))
            w.Write(string.Join("\n", kept));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>A minimal INI reader: [section], key = value, '#' and ';' comments.</summary>
public static class Ini
{
    public static Dictionary<string, Dictionary<string, string>> Parse(string text)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                var name = line[1..^1].Trim();
                if (!result.TryGetValue(name, out current)) result[name] = current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                continue;
            }
            var eq = line.IndexOf('=');
            if (eq <= 0 || current is null) continue;
            current[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return result;
    }
}
