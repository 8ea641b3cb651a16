using R2Sync.Engine.Hashing;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Scanning;
using R2Sync.Engine.Storage;

namespace R2Sync.Engine.Status;

/// <summary>One experiment folder: both sides' sizes and how many items each mode and direction would move.</summary>
public sealed class ExperimentStatus
{
    /// <summary>The experiment folder name (the first path segment); "." for files directly under the root.</summary>
    public string Experiment { get; init; } = "";
    public int LocalFiles { get; set; }
    public long LocalBytes { get; set; }
    public int RemoteFiles { get; set; }
    public long RemoteBytes { get; set; }
    /// <summary>Items a push would move (upload or delete) in each mode.</summary>
    public int PushFast { get; set; }
    public int PushCopy { get; set; }
    public int PushFull { get; set; }
    public int PushChecksum { get; set; }
    /// <summary>Items a pull would move (download or delete) in each mode.</summary>
    public int PullFast { get; set; }
    public int PullCopy { get; set; }
    public int PullFull { get; set; }
    public int PullChecksum { get; set; }
    /// <summary>
    /// Same-size pairs that Checksum mode compares by MD5 and that were not hashed (Get-R2SyncStatus without
    /// -Checksum). PushChecksum/PullChecksum count only the certain items; up to this many more may move.
    /// </summary>
    public int ToCheck { get; set; }
    /// <summary>InSync, LocalOnly, RemoteOnly, LocalAhead, RemoteAhead or Diverged (by the Full-mode plans).</summary>
    public string State { get; set; } = "";
    public string Bucket { get; init; } = "";
    public string Prefix { get; init; } = "";
    public string LocalRoot { get; init; } = "";

    public override string ToString() => $"{Experiment}: {State}";
}

/// <summary>What Get-R2SyncStatus needs besides the store.</summary>
public sealed class StatusOptions
{
    public required string LocalRoot { get; init; }
    public string Prefix { get; init; } = "experiments/";
    public string? Bucket { get; init; }
    public IReadOnlyList<string> Experiments { get; init; } = Array.Empty<string>();
    public PathFilter Filter { get; init; } = new();
    /// <summary>Hash same-size pairs (local MD5 against the ETag or md5chksum metadata) for exact Checksum counts.</summary>
    public bool Hash { get; init; }
    public int Checkers { get; init; } = 8;
}

/// <summary>
/// The status of every experiment from one local scan and one remote listing, planned with the pure
/// <see cref="Planner"/> once per mode and direction. Changes nothing.
/// </summary>
public static class StatusCalculator
{
    public const string RootExperiment = ".";

    public static string ExperimentOf(string relativePath)
    {
        var i = relativePath.IndexOf('/');
        return i < 0 ? RootExperiment : relativePath.Substring(0, i);
    }

    public static async Task<(List<ExperimentStatus> Rows, List<ScanProblem> Problems)> ComputeAsync(IObjectStore store, StatusOptions o, CancellationToken ct)
    {
        var scopes = o.Experiments.Count == 0
            ? new[] { (RelBase: "", LocalDir: o.LocalRoot, Prefix: o.Prefix) }
            : o.Experiments.Distinct(StringComparer.Ordinal).Select(e => (RelBase: e + "/", LocalDir: Path.Combine(o.LocalRoot, e), Prefix: o.Prefix + e + "/")).ToArray();

        var scanner = new LocalScanner(o.Filter);
        var scanTask = Task.Run(() =>
        {
            var files = new List<LocalFile>();
            foreach (var s in scopes)
                if (Directory.Exists(s.LocalDir))
                    files.AddRange(scanner.Scan(s.LocalDir, s.RelBase, ct));
            return files;
        }, ct);
        var remote = new List<RemoteObject>();
        foreach (var s in scopes)
            await foreach (var r in store.ListAsync(s.Prefix, ct).ConfigureAwait(false))
                remote.Add(r);
        var local = await scanTask.ConfigureAwait(false);

        var rows = new SortedDictionary<string, ExperimentStatus>(StringComparer.Ordinal);
        ExperimentStatus Row(string rel)
        {
            var name = ExperimentOf(rel);
            if (!rows.TryGetValue(name, out var row))
                rows[name] = row = new ExperimentStatus { Experiment = name, Bucket = o.Bucket ?? "", Prefix = o.Prefix, LocalRoot = o.LocalRoot };
            return row;
        }

        foreach (var f in local)
        {
            var row = Row(f.RelativePath);
            row.LocalFiles++;
            row.LocalBytes += f.Size;
        }
        foreach (var r in remote)
        {
            if (!r.Key.StartsWith(o.Prefix, StringComparison.Ordinal) || r.Key.EndsWith('/')) continue;
            var rel = r.Key.Substring(o.Prefix.Length);
            if (rel.Length == 0 || o.Filter.IsExcluded(rel)) continue;
            var row = Row(rel);
            row.RemoteFiles++;
            row.RemoteBytes += r.Size;
        }

        // Same-size pairs are the same for both directions: hash each at most once.
        var hashes = new Dictionary<string, bool>(StringComparer.Ordinal); // rel → contents differ
        var hashed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var direction in new[] { SyncDirection.Push, SyncDirection.Pull })
            foreach (var mode in new[] { SyncMode.Fast, SyncMode.Copy, SyncMode.Full, SyncMode.Checksum })
            {
                var po = new PlanOptions(mode, direction, o.Prefix, o.LocalRoot, o.Bucket);
                var plan = Planner.Plan(local, remote, po, o.Filter.IsExcluded);
                foreach (var item in plan.Items) Add(Row(item.RelativePath), direction, mode);
                if (mode != SyncMode.Checksum) continue;
                if (!o.Hash)
                {
                    if (direction == SyncDirection.Push)
                        foreach (var c in plan.NeedsHash) Row(c.RelativePath).ToCheck++;
                    continue;
                }
                foreach (var c in plan.NeedsHash)
                    hashes.TryAdd(c.RelativePath, false);
                await HashAsync(store, plan.NeedsHash.Where(c => !hashed.Contains(c.RelativePath)).ToList(), hashes, o.Checkers, ct).ConfigureAwait(false);
                foreach (var c in plan.NeedsHash)
                {
                    hashed.Add(c.RelativePath);
                    if (hashes[c.RelativePath]) Add(Row(c.RelativePath), direction, mode);
                }
            }

        foreach (var row in rows.Values) row.State = StateOf(row);
        return (rows.Values.ToList(), scanner.Problems);
    }

    private static void Add(ExperimentStatus row, SyncDirection d, SyncMode m)
    {
        if (d == SyncDirection.Push)
        {
            if (m == SyncMode.Fast) row.PushFast++; else if (m == SyncMode.Copy) row.PushCopy++; else if (m == SyncMode.Full) row.PushFull++; else row.PushChecksum++;
        }
        else
        {
            if (m == SyncMode.Fast) row.PullFast++; else if (m == SyncMode.Copy) row.PullCopy++; else if (m == SyncMode.Full) row.PullFull++; else row.PullChecksum++;
        }
    }

    /// <summary>The state by the Full and Checksum plans: which side holds something the other lacks.</summary>
    public static string StateOf(ExperimentStatus r)
    {
        if (r.LocalFiles == 0 && r.RemoteFiles > 0) return "RemoteOnly";
        if (r.RemoteFiles == 0 && r.LocalFiles > 0) return "LocalOnly";
        bool pushNew = r.PushFast > 0, pullNew = r.PullFast > 0;
        bool changed = r.PushCopy > r.PushFast || r.PushChecksum > r.PushFull; // ToCheck is unknown, not a difference
        if (!pushNew && !pullNew && !changed) return "InSync";
        if (pushNew && !pullNew && !changed) return "LocalAhead";
        if (pullNew && !pushNew && !changed) return "RemoteAhead";
        return "Diverged";
    }

    private static async Task HashAsync(IObjectStore store, List<HashComparison> pairs, Dictionary<string, bool> differ, int checkers, CancellationToken ct)
    {
        var gate = new object();
        await Parallel.ForEachAsync(pairs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, checkers), CancellationToken = ct }, async (c, t) =>
        {
            var remoteMd5 = c.Remote.EtagMd5 ?? (await store.HeadAsync(c.Remote.Key, t).ConfigureAwait(false))?.MetadataMd5Hex;
            if (remoteMd5 is null) return; // compared by size only, as Checksum mode does
            var localMd5 = await Md5.OfFileAsync(c.Local.FullPath, t).ConfigureAwait(false);
            lock (gate) differ[c.RelativePath] = !string.Equals(localMd5, remoteMd5, StringComparison.OrdinalIgnoreCase);
        }).ConfigureAwait(false);
    }
}
