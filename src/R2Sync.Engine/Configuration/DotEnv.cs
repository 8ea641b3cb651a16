namespace R2Sync.Engine.Configuration;

/// <summary>
/// Reads .env files as the group writes them: KEY=value lines, '#' comments, blank lines, an optional
/// 'export ' prefix, values optionally in single or double quotes (double quotes take \n, \" and \\ escapes;
/// an unquoted value ends at ' #').
/// </summary>
public static class DotEnv
{
    public static Dictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var key = line[..eq].Trim();
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')) continue;
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value.LastIndexOf('"') > 0)
            {
                var end = value.LastIndexOf('"');
                value = Unescape(value[1..end]);
            }
            else if (value.Length >= 2 && value[0] == '\'' && value.LastIndexOf('\'') > 0)
            {
                value = value[1..value.LastIndexOf('\'')];
            }
            else
            {
                var hash = value.IndexOf(" #", StringComparison.Ordinal);
                if (hash >= 0) value = value[..hash].TrimEnd();
            }
            result[key] = value;
        }
        return result;
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                var n = s[++i];
                sb.Append(n switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => n });
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    /// <summary>The nearest .env file in <paramref name="startDirectory"/> or its parents; null when none.</summary>
    public static string? Find(string startDirectory)
    {
        for (var d = new DirectoryInfo(startDirectory); d is not null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, ".env");
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
