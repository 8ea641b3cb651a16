using R2Sync.Engine.Planning;

namespace R2Sync.Engine.Scanning;

/// <summary>A problem met while scanning (unreadable folder, link loop); reported, never fatal.</summary>
public sealed record ScanProblem(string Path, string Message, string Kind);

/// <summary>
/// Walks the local root. Follows symbolic links (like rclone --copy-links) and reports link loops instead of
/// following them. Relative paths use '/'. Temporary files of interrupted pulls are skipped, and removed when
/// <see cref="RemoveStaleTempFiles"/> is set.
/// </summary>
public sealed class LocalScanner
{
    private readonly PathFilter _filter;

    public LocalScanner(PathFilter filter) => _filter = filter;

    public bool RemoveStaleTempFiles { get; init; }
    public List<ScanProblem> Problems { get; } = new();
    public int ExcludedCount { get; private set; }
    public int StaleTempFilesRemoved { get; private set; }

    /// <summary>Scans <paramref name="root"/>; <paramref name="relBase"/> is prepended to relative paths (e.g. "exp1/").</summary>
    public IEnumerable<LocalFile> Scan(string root, string relBase = "", CancellationToken ct = default)
    {
        if (!Directory.Exists(root)) yield break;
        var ancestors = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(DirectoryInfo Dir, string Rel, string[] Chain)>();
        var rootInfo = new DirectoryInfo(root);
        stack.Push((rootInfo, relBase, new[] { RealPath(rootInfo) }));
        while (stack.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var (dir, rel, chain) = stack.Pop();
            List<Entry> entries;
            try
            {
                entries = ReadEntries(dir.FullName);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                Problems.Add(new ScanProblem(dir.FullName, e.Message, "UnreadableFolder"));
                continue;
            }
            entries.Sort((a, b) => string.CompareOrdinal(b.Name, a.Name)); // a stack: pop in ordinal order
            var files = new List<LocalFile>();
            foreach (var e in entries)
            {
                var childRel = rel + e.Name;
                var fullPath = Path.Combine(dir.FullName, e.Name);
                bool isDir = e.IsDirectory;
                long size = e.Length;
                DateTime mtime = e.LastWriteUtc;
                if (e.IsLink)
                {
                    // Follow the link (rclone --copy-links): what matters is the target's kind, size and time.
                    FileSystemInfo? target;
                    try { target = new FileInfo(fullPath).ResolveLinkTarget(returnFinalTarget: true); }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        Problems.Add(new ScanProblem(fullPath, "broken symbolic link: " + ex.Message, "BrokenLink"));
                        continue;
                    }
                    if (target is null || !target.Exists)
                    {
                        if (target is not null && Directory.Exists(target.FullName)) target = new DirectoryInfo(target.FullName);
                        else { Problems.Add(new ScanProblem(fullPath, "broken symbolic link", "BrokenLink")); continue; }
                    }
                    if (target is DirectoryInfo || Directory.Exists(target.FullName))
                    {
                        string real;
                        try { real = NativePaths.RealPath(fullPath); }
                        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                        {
                            Problems.Add(new ScanProblem(fullPath, "broken symbolic link: " + ex.Message, "BrokenLink"));
                            continue;
                        }
                        if (Array.IndexOf(chain, real) >= 0)
                        {
                            Problems.Add(new ScanProblem(fullPath, $"symbolic link loop: '{childRel}' points back to '{real}'; not followed", "LinkLoop"));
                            continue;
                        }
                        stack.Push((new DirectoryInfo(fullPath), childRel + "/", Append(chain, real)));
                        continue;
                    }
                    var tf = (FileInfo)target;
                    isDir = false;
                    size = tf.Length;
                    mtime = tf.LastWriteTimeUtc;
                }
                if (isDir)
                {
                    // Not a link: its real path is its parent's real path plus its name.
                    stack.Push((new DirectoryInfo(fullPath), childRel + "/", Append(chain, Path.Combine(chain[^1], e.Name))));
                    continue;
                }
                if (PathFilter.IsTempFile(childRel))
                {
                    if (RemoveStaleTempFiles)
                    {
                        try { File.Delete(fullPath); StaleTempFilesRemoved++; } catch (IOException) { } catch (UnauthorizedAccessException) { }
                    }
                    continue;
                }
                if (_filter.IsExcluded(childRel)) { ExcludedCount++; continue; }
                files.Add(new LocalFile(childRel, fullPath, size, mtime));
            }
            foreach (var lf in files) yield return lf;
        }
    }

    private readonly record struct Entry(string Name, bool IsDirectory, bool IsLink, long Length, DateTime LastWriteUtc);

    private static readonly EnumerationOptions OneLevel = new()
    {
        RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false,
    };

    /// <summary>One folder's entries from a single directory read (no extra stat or readlink per entry).</summary>
    private static List<Entry> ReadEntries(string dir)
    {
        var e = new System.IO.Enumeration.FileSystemEnumerable<Entry>(dir,
            (ref System.IO.Enumeration.FileSystemEntry x) => new Entry(
                x.FileName.ToString(),
                x.IsDirectory,
                (x.Attributes & FileAttributes.ReparsePoint) != 0,
                x.IsDirectory ? 0 : x.Length,
                x.LastWriteTimeUtc.UtcDateTime),
            OneLevel);
        return e.ToList();
    }

    private static string[] Append(string[] chain, string p)
    {
        var n = new string[chain.Length + 1];
        chain.CopyTo(n, 0);
        n[^1] = p;
        return n;
    }

    private static string RealPath(DirectoryInfo d) => NativePaths.RealPath(d.FullName);
}

internal static class FileIds
{
    /// <summary>Inode number where the platform exposes one cheaply; 0 otherwise.</summary>
    public static long TryGetInode(string path) => 0;
}

internal static class NativePaths
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr realpath([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "free")]
    private static extern void free(IntPtr p);

    /// <summary>The canonical path with every link resolved (realpath(3) on Unix; the full path elsewhere).</summary>
    public static string RealPath(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                var p = realpath(path, IntPtr.Zero);
                if (p != IntPtr.Zero)
                {
                    try { return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(p)!; }
                    finally { free(p); }
                }
                throw new IOException($"cannot resolve '{path}' (errno {System.Runtime.InteropServices.Marshal.GetLastWin32Error()})");
            }
            catch (DllNotFoundException) { }
            catch (EntryPointNotFoundException) { }
        }
        var info = new DirectoryInfo(path);
        var t = info.LinkTarget is null ? info : info.ResolveLinkTarget(true) ?? info;
        return Path.GetFullPath(t.FullName).TrimEnd(Path.DirectorySeparatorChar);
    }
}
