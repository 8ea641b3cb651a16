namespace R2Sync.Engine.Planning;

/// <summary>Mapping between object keys and local paths. Remote keys are untrusted input.</summary>
public static class KeyPaths
{
    /// <summary>Null when <paramref name="rel"/> (a key without the prefix) maps to a safe path under the root; else why not.</summary>
    public static string? Validate(string rel)
    {
        if (rel.Length == 0) return "the key is empty";
        if (rel.IndexOf('\0') >= 0) return "the key contains a NUL character";
        if (rel.IndexOf('\\') >= 0) return "the key contains a backslash";
        if (rel[0] == '/') return "the key is an absolute path";
        if (rel.Length >= 2 && rel[1] == ':' && char.IsAsciiLetter(rel[0])) return "the key starts with a drive letter";
        foreach (var c in rel)
            if (char.IsControl(c)) return "the key contains a control character";
        foreach (var seg in rel.Split('/'))
        {
            if (seg.Length == 0) return "the key has an empty path segment ('//')";
            if (seg == "." || seg == "..") return "the key has a '.' or '..' segment that would leave the destination";
            if (System.Text.Encoding.UTF8.GetByteCount(seg) > 255) return "a path segment is longer than 255 bytes";
        }
        return null;
    }

    public static string ToLocalPath(string root, string rel) =>
        Path.Combine(root, Path.DirectorySeparatorChar == '/' ? rel : rel.Replace('/', Path.DirectorySeparatorChar));
}
