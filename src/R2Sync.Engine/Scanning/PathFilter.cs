namespace R2Sync.Engine.Scanning;

/// <summary>
/// Decides which relative paths are synced. A path is excluded when it matches an exclude glob and no include
/// glob; include globs re-admit paths an exclude would drop (e.g. an include group such as '**/loras/**').
/// Globs follow Microsoft.Extensions.FileSystemGlobbing: '**' spans folders, '*' stays within one (see GlobSet).
/// </summary>
public sealed class PathFilter
{
    public static readonly IReadOnlyList<string> DefaultExcludes = new[]
    {
        "**/activations/**", "**/val_activations/**", "**/inference/raw/**",
        "**/*.pyc", "**/__pycache__/**", "**/.DS_Store",
    };

    /// <summary>Temporary files of an interrupted pull; never synced.</summary>
    public const string TempFilePattern = "**/.r2sync.*.tmp";

    private readonly GlobSet _excluded;
    private readonly GlobSet? _included;

    public PathFilter(IEnumerable<string>? extraExcludes = null, IEnumerable<string>? includes = null, bool useDefaults = true)
    {
        var ex = new List<string>();
        if (useDefaults) ex.AddRange(DefaultExcludes);
        if (extraExcludes is not null) ex.AddRange(extraExcludes.Where(p => !string.IsNullOrWhiteSpace(p)));
        Excludes = ex.Select(Normalize).ToArray();
        Includes = (includes ?? Array.Empty<string>()).Where(p => !string.IsNullOrWhiteSpace(p)).Select(Normalize).ToArray();
        foreach (var p in Excludes.Concat(Includes)) ValidatePattern(p);

        _excluded = new GlobSet(Excludes.Append(TempFilePattern));
        if (Includes.Count > 0) _included = new GlobSet(Includes);
    }

    public IReadOnlyList<string> Excludes { get; }
    public IReadOnlyList<string> Includes { get; }

    /// <summary>True when the relative path ('/'-separated) is not synced.</summary>
    public bool IsExcluded(string relativePath)
    {
        if (!_excluded.IsMatch(relativePath)) return false;
        if (IsTempFile(relativePath)) return true;
        return _included is null || !_included.IsMatch(relativePath);
    }

    public static bool IsTempFile(string relativePath)
    {
        var name = relativePath.AsSpan(relativePath.LastIndexOf('/') + 1);
        return name.StartsWith(".r2sync.") && name.EndsWith(".tmp");
    }

    private static string Normalize(string pattern)
    {
        var p = pattern.Trim().Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
        // rclone-style trailing "/" or "/**" on a folder name both mean "everything under it".
        if (p.EndsWith('/')) p += "**";
        return p;
    }

    private static void ValidatePattern(string p)
    {
        if (p.Length == 0) throw new ArgumentException("A glob pattern is empty.");
        if (p.StartsWith('/') || (p.Length > 1 && p[1] == ':'))
            throw new InvalidGlobException(p, "a glob is relative to the experiments root; it cannot be absolute");
        if (p.Contains("***", StringComparison.Ordinal))
            throw new InvalidGlobException(p, "'***' is not a valid wildcard; use '**' for any folders or '*' within one name");
        foreach (var seg in p.Split('/'))
            if (seg.Contains("**", StringComparison.Ordinal) && seg != "**")
                throw new InvalidGlobException(p, $"'**' must be a whole path segment (found '{seg}')");
        if (p.IndexOfAny(new[] { '[', ']', '{', '}' }) >= 0)
            throw new InvalidGlobException(p, "character classes and braces are not supported; use '*' and '**'");
    }
}

public sealed class InvalidGlobException : ArgumentException
{
    public InvalidGlobException(string pattern, string reason)
        : base($"The glob '{pattern}' is not valid: {reason}.") => Pattern = pattern;
    public string Pattern { get; }
}
