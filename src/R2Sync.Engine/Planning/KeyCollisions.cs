using System.Text;

namespace R2Sync.Engine.Planning;

/// <summary>
/// Remote keys that differ only in letter case or Unicode normalization (NFC/NFD) name one file on a
/// case-insensitive or normalizing file system (macOS APFS/HFS+ by default, Windows NTFS). A pull must never let
/// one silently overwrite the other.
/// </summary>
public static class KeyCollisions
{
    /// <summary>The name two paths share on a folding file system: NFC, then upper-cased (invariant).</summary>
    public static string Fold(string rel) => rel.Normalize(NormalizationForm.FormC).ToUpperInvariant();

    /// <summary>Groups of two or more relative paths that fold to the same name, each group sorted ordinally.</summary>
    public static List<List<string>> Find(IEnumerable<string> rels)
    {
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var r in rels)
        {
            var f = Fold(r);
            if (!groups.TryGetValue(f, out var g)) groups[f] = g = new List<string>();
            if (!g.Contains(r, StringComparer.Ordinal)) g.Add(r);
        }
        return groups.Values.Where(g => g.Count > 1)
            .Select(g => g.OrderBy(x => x, StringComparer.Ordinal).ToList())
            .OrderBy(g => g[0], StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Splits the colliding groups of <paramref name="rels"/> into those that name one file on a file system with
    /// <paramref name="folding"/> (must not both be written) and those that only would elsewhere (a warning).
    /// </summary>
    public static (List<List<string>> Colliding, List<List<string>> Portable) Split(IEnumerable<string> rels, FileSystemFolding folding)
    {
        var colliding = new List<List<string>>();
        var portable = new List<List<string>>();
        foreach (var g in Find(rels))
        {
            var here = g.GroupBy(r => FoldFor(r, folding), StringComparer.Ordinal).Where(x => x.Count() > 1).ToList();
            if (here.Count > 0) colliding.Add(g); else portable.Add(g);
        }
        return (colliding, portable);
    }

    /// <summary>The name <paramref name="rel"/> has on a file system with <paramref name="folding"/>: two paths with the same name are one file there.</summary>
    public static string NameOn(string rel, FileSystemFolding folding) => FoldFor(rel, folding);

    private static string FoldFor(string rel, FileSystemFolding folding)
    {
        var s = folding.HasFlag(FileSystemFolding.Normalization) ? rel.Normalize(NormalizationForm.FormC) : rel;
        return folding.HasFlag(FileSystemFolding.Case) ? s.ToUpperInvariant() : s;
    }

    /// <summary>Whether <paramref name="folder"/> (or its nearest existing ancestor) sits on a file system where
    /// names that differ only in case or normalization are the same file. Probes with a temporary file.</summary>
    public static FileSystemFolding Probe(string folder)
    {
        var dir = folder;
        while (!Directory.Exists(dir))
        {
            var parent = Path.GetDirectoryName(dir);
            if (string.IsNullOrEmpty(parent) || parent == dir) return FileSystemFolding.Unknown;
            dir = parent;
        }
        var stem = $".r2sync.probe.{Guid.NewGuid():N}";
        var lower = Path.Combine(dir, stem + ".\u00e9");
        try
        {
            File.WriteAllBytes(lower, Array.Empty<byte>());
            var folding = FileSystemFolding.None;
            if (File.Exists(Path.Combine(dir, stem.ToUpperInvariant() + ".\u00e9"))) folding |= FileSystemFolding.Case;
            if (File.Exists(Path.Combine(dir, stem + ".e\u0301"))) folding |= FileSystemFolding.Normalization;
            return folding;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FileSystemFolding.Unknown;
        }
        finally
        {
            try { File.Delete(lower); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

[Flags]
public enum FileSystemFolding
{
    None = 0,
    Case = 1,
    Normalization = 2,
    /// <summary>Could not probe: assume names fold (the safe side).</summary>
    Unknown = Case | Normalization,
}
