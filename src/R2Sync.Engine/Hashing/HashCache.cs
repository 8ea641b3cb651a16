using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using R2Sync.Engine.Planning;

namespace R2Sync.Engine.Hashing;

/// <summary>
/// An <see cref="IHashProvider"/> that remembers local MD5s between runs, so Checksum mode reads only files that
/// changed. An entry is keyed by relative path and holds size, modification time (100 ns ticks) and inode (where
/// the scanner has one, else 0); any difference makes it a miss and the file is read again.
/// One cache file per synced root, in the user's cache folder (<see cref="DefaultDirectory"/>), never inside the
/// synced folder. A missing, unreadable, corrupt or other-version file is ignored and rebuilt, never trusted.
/// </summary>
public sealed class HashCache : IHashProvider
{
    /// <summary>First line of a cache file; a file with any other first line is rebuilt.</summary>
    public const string Header = "r2sync-hashcache 1";

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly string _root;
    private int _read, _hits;
    private bool _dirty;
    private volatile bool _loaded;
    private readonly object _loadLock = new();

    private sealed record Entry(long Size, long MtimeTicks, long Inode, string Md5);

    private HashCache(string root, string? file)
    {
        _root = root;
        FilePath = file;
    }

    /// <summary>The cache file, or null when the cache lives in memory only (the folder is inside the synced root).</summary>
    public string? FilePath { get; }

    public int FilesRead => _read;
    /// <summary>Hashes answered from the cache without reading the file.</summary>
    public int Hits => _hits;
    /// <summary>Why the cache file was not used as it stood (missing, corrupt, other version), or null. Reading it loads the cache.</summary>
    public string? RebuildReason
    {
        get { EnsureLoaded(); return _rebuildReason; }
        private set => _rebuildReason = value;
    }
    private string? _rebuildReason;

    /// <summary>
    /// The cache folder: R2SYNC_CACHE_DIR when set; otherwise $XDG_CACHE_HOME/r2sync or ~/.cache/r2sync on Linux,
    /// ~/Library/Caches/r2sync on macOS, %LOCALAPPDATA%\r2sync\cache on Windows.
    /// </summary>
    public static string DefaultDirectory()
    {
        var over = Environment.GetEnvironmentVariable("R2SYNC_CACHE_DIR");
        if (!string.IsNullOrWhiteSpace(over)) return Path.GetFullPath(over);
        if (OperatingSystem.IsWindows())
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "r2sync", "cache");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS()) return Path.Combine(home, "Library", "Caches", "r2sync");
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "r2sync");
        return Path.Combine(home, ".cache", "r2sync");
    }

    /// <summary>The cache file of one synced root: a hash of its full path, so each root has its own.</summary>
    public static string FileFor(string localRoot, string? directory = null)
    {
        var root = Normalize(localRoot);
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..24].ToLowerInvariant();
        return Path.Combine(directory ?? DefaultDirectory(), $"hashes-{id}.tsv");
    }

    /// <summary>Opens (or starts) the cache of a synced root. Never throws for a bad cache file: it is rebuilt.</summary>
    public static HashCache Open(string localRoot, string? directory = null)
    {
        var root = Normalize(localRoot);
        var file = FileFor(root, directory);
        var dir = Normalize(Path.GetDirectoryName(file)!);
        var cmp = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        bool inside = (dir + Path.DirectorySeparatorChar).StartsWith(root + Path.DirectorySeparatorChar, cmp);
        var cache = new HashCache(root, inside ? null : file);
        if (inside) { cache.RebuildReason = $"the cache folder '{dir}' is inside the synced folder; hashes are not kept"; cache._loaded = true; }
        return cache; // the file is read on first use: modes that never hash never pay for it
    }

    private void EnsureLoaded()
    {
        if (_loaded) return;
        lock (_loadLock)
        {
            if (_loaded) return;
            Load();
            _loaded = true;
        }
    }

    private static string Normalize(string p) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p));

    private void Load()
    {
        if (!File.Exists(FilePath)) { RebuildReason = "no cache yet"; return; }
        try
        {
            using var reader = new StreamReader(FilePath!, Encoding.UTF8);
            var header = reader.ReadLine();
            if (header != Header) { RebuildReason = "the cache file has another version or format"; _dirty = true; return; }
            var rootLine = reader.ReadLine();
            if (rootLine != "root\t" + _root) { RebuildReason = "the cache file belongs to another folder"; _dirty = true; return; }
            var loaded = new Dictionary<string, Entry>(StringComparer.Ordinal);
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                if (line == "end") { foreach (var kv in loaded) _entries[kv.Key] = kv.Value; return; }
                var f = line.Split('\t', 5);
                if (f.Length != 5 || !Md5.IsHexMd5(f[0])
                    || !long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                    || !long.TryParse(f[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ticks)
                    || !long.TryParse(f[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var inode)
                    || f[4].Length == 0)
                    break;
                loaded[f[4]] = new Entry(size, ticks, inode, f[0]);
            }
            RebuildReason = "the cache file is corrupt or truncated";
            _dirty = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            RebuildReason = $"the cache file could not be read ({e.Message})";
            _dirty = true;
        }
    }

    public async ValueTask<string> GetMd5Async(LocalFile file, CancellationToken ct)
    {
        EnsureLoaded();
        _seen.TryAdd(file.RelativePath, 0);
        if (_entries.TryGetValue(file.RelativePath, out var e) && Matches(e, file))
        {
            Interlocked.Increment(ref _hits);
            return e.Md5;
        }
        Interlocked.Increment(ref _read);
        var md5 = await Md5.OfFileAsync(file.FullPath, ct).ConfigureAwait(false);
        Remember(file, md5);
        return md5;
    }

    /// <summary>Records a hash learned otherwise (e.g. computed while downloading the file).</summary>
    public void Remember(LocalFile file, string md5Hex)
    {
        EnsureLoaded();
        _seen.TryAdd(file.RelativePath, 0);
        // A file written within the last two seconds may change again without its mtime moving (coarse clocks):
        // such a hash is used for this run but not kept.
        if (DateTime.UtcNow - file.LastWriteUtc < TimeSpan.FromSeconds(2)) { _entries.TryRemove(file.RelativePath, out _); _dirty = true; return; }
        _entries[file.RelativePath] = new Entry(file.Size, file.LastWriteUtc.Ticks, file.Inode, md5Hex.ToLowerInvariant());
        _dirty = true;
    }

    private static bool Matches(Entry e, LocalFile f) =>
        e.Size == f.Size && e.MtimeTicks == f.LastWriteUtc.Ticks && (e.Inode == f.Inode);

    /// <summary>Writes the cache (atomically: a temporary file renamed over the old one). Entries of files that no longer exist are dropped.</summary>
    public void Flush()
    {
        if (FilePath is null || !_loaded || !_dirty) return;
        var dir = Path.GetDirectoryName(FilePath)!;
        Directory.CreateDirectory(dir);
        var tmp = FilePath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var w = new StreamWriter(tmp, false, new UTF8Encoding(false)))
            {
                w.NewLine = "\n";
                w.WriteLine(Header);
                w.WriteLine("root\t" + _root);
                foreach (var (rel, e) in _entries.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (rel.Contains('\n') || rel.Contains('\r')) continue;
                    // Files this run did not look at (other experiments, say) are kept while they exist.
                    if (!_seen.ContainsKey(rel) && !File.Exists(Path.Combine(_root, rel))) continue;
                    w.Write(e.Md5); w.Write('\t');
                    w.Write(e.Size.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
                    w.Write(e.MtimeTicks.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
                    w.Write(e.Inode.ToString(CultureInfo.InvariantCulture)); w.Write('\t');
                    w.WriteLine(rel);
                }
                w.WriteLine("end");
            }
            File.Move(tmp, FilePath, overwrite: true);
            _dirty = false;
        }
        finally
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
