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
            FileSystemInfo[] entries;
            try
            {
                entries = dir.GetFileSystemInfos();
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                Problems.Add(new ScanProblem(dir.FullName, e.Message, "UnreadableFolder"));
                continue;
            }
            Array.Sort(entries, (a, b) => string.CompareOrdinal(b.Name, a.Name)); // stack: pop in ordinal order
            var files = new List<LocalFile>();
            foreach (var e in entries)
            {
                var childRel = rel + e.Name;
                if (e is DirectoryInfo d)
                {
                    var chainNext = chain;
                    if (d.LinkTarget is not null)
                    {
                        string real;
                        try { real = RealPath(d); }
                        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                        {
                            Problems.Add(new ScanProblem(d.FullName, "broken symbolic link: " + ex.Message, "BrokenLink"));
                            continue;
                        }
                        if (Array.IndexOf(chain, real) >= 0)
                        {
                            Problems.Add(new ScanProblem(d.FullName, $"symbolic link loop: '{childRel}' points back to '{real}'; not followed", "LinkLoop"));
                            continue;
                        }
                        if (!Directory.Exists(real))
                        {
                            Problems.Add(new ScanProblem(d.FullName, "broken symbolic link", "BrokenLink"));
                            continue;
                        }
                        chainNext = Append(chain, real);
                    }
                    else
                    {
                        // Not a link: its real path is its parent's real path plus its name.
                        chainNext = Append(chain, Path.Combine(chain[^1], d.Name));
                    }
                    stack.Push((d, childRel + "/", chainNext));
                }
                else if (e is FileInfo f)
                {
                    if (PathFilter.IsTempFile(childRel))
                    {
                        if (RemoveStaleTempFiles)
                        {
                            try { f.Delete(); StaleTempFilesRemoved++; } catch (IOException) { } catch (UnauthorizedAccessException) { }
                        }
                        continue;
                    }
                    if (_filter.IsExcluded(childRel)) { ExcludedCount++; continue; }
                    long size; DateTime mtime;
                    if (f.LinkTarget is not null)
                    {
                        FileSystemInfo? target;
                        try { target = f.ResolveLinkTarget(returnFinalTarget: true); }
                        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                        {
                            Problems.Add(new ScanProblem(f.FullName, "broken symbolic link: " + ex.Message, "BrokenLink"));
                            continue;
                        }
                        if (target is not FileInfo tf || !tf.Exists)
                        {
                            if (target is DirectoryInfo) { stack.Push((new DirectoryInfo(f.FullName), childRel + "/", chain)); continue; }
                            Problems.Add(new ScanProblem(f.FullName, "broken symbolic link", "BrokenLink"));
                            continue;
                        }
                        size = tf.Length; mtime = tf.LastWriteTimeUtc;
                    }
                    else
                    {
                        size = f.Length; mtime = f.LastWriteTimeUtc;
                    }
                    files.Add(new LocalFile(childRel, f.FullName, size, mtime) { Inode = FileIds.TryGetInode(f.FullName) });
                }
            }
            foreach (var lf in files) yield return lf;
        }
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
