namespace R2Sync.Engine.Planning;

/// <summary>What planning needs to know besides the two listings.</summary>
public sealed record PlanOptions(SyncMode Mode, SyncDirection Direction, string Prefix, string LocalRoot, string? Bucket = null);

/// <summary>A pair of files with the same size that Checksum mode must compare by MD5.</summary>
public sealed record HashComparison(string RelativePath, LocalFile Local, RemoteObject Remote);

/// <summary>A remote key that cannot be planned (it would not map to a safe local path, say).</summary>
public sealed record RejectedKey(string Key, string Reason);

/// <summary>The output of the pure planning step.</summary>
public sealed class PlanResult
{
    public List<PlanItem> Items { get; } = new();
    public List<HashComparison> NeedsHash { get; } = new();
    public List<RejectedKey> Rejected { get; } = new();
    /// <summary>Files present on both sides that the mode considers in sync.</summary>
    public int InSync { get; set; }
    /// <summary>Local files seen (after excludes).</summary>
    public int LocalCount { get; set; }
    /// <summary>Remote objects seen in scope (after excludes, folder markers and rejected keys).</summary>
    public int RemoteCount { get; set; }
}

/// <summary>
/// The pure planner: index the local side in a dictionary, stream the remote listing against it, and what is
/// left in the index is the local-only set. No I/O; the same inputs always give the same plan.
/// </summary>
public static class Planner
{
    public static PlanResult Plan(IEnumerable<LocalFile> local, IEnumerable<RemoteObject> remote, PlanOptions options,
        Func<string, bool>? isExcluded = null)
    {
        var index = new Dictionary<string, LocalFile>(StringComparer.Ordinal);
        foreach (var f in local)
            if (isExcluded is null || !isExcluded(f.RelativePath)) index[f.RelativePath] = f; // excluded: never uploaded or deleted
        var result = new PlanResult { LocalCount = index.Count };
        foreach (var r in remote)
            PlanRemote(r, index, options, isExcluded, result);
        PlanLocalOnly(index.Values, options, result);
        return result;
    }

    /// <summary>Compares one remote object with the index, removing the matched local file from it.</summary>
    public static void PlanRemote(RemoteObject r, Dictionary<string, LocalFile> index, PlanOptions o,
        Func<string, bool>? isExcluded, PlanResult result)
    {
        if (!r.Key.StartsWith(o.Prefix, StringComparison.Ordinal)) return;
        if (r.Key.EndsWith('/')) return; // folder marker
        var rel = r.Key.Substring(o.Prefix.Length);
        if (rel.Length == 0) return;
        if (isExcluded is not null && isExcluded(rel)) return; // never compare, download or delete excluded paths
        if (o.Direction == SyncDirection.Pull)
        {
            var problem = KeyPaths.Validate(rel);
            if (problem is not null)
            {
                index.Remove(rel);
                result.Rejected.Add(new RejectedKey(r.Key, problem));
                return;
            }
        }
        result.RemoteCount++;
        index.Remove(rel, out var l);
        var item = Decide(l, r, rel, o, out var needsHash);
        if (item is not null) result.Items.Add(item);
        else if (needsHash) result.NeedsHash.Add(new HashComparison(rel, l!, r));
        else if (l is not null) result.InSync++;
    }

    /// <summary>Plans what is left in the index after the remote listing: files only the local side has.</summary>
    public static void PlanLocalOnly(IEnumerable<LocalFile> localOnly, PlanOptions o, PlanResult result)
    {
        foreach (var l in localOnly.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
        {
            var item = Decide(l, null, l.RelativePath, o, out _);
            if (item is not null) result.Items.Add(item);
        }
    }

    /// <summary>
    /// The decision for one path. <paramref name="needsHash"/> is set (and null returned) when the mode is
    /// Checksum and the sizes are equal: the caller compares MD5s and calls <see cref="DecideByHash"/>.
    /// </summary>
    public static PlanItem? Decide(LocalFile? l, RemoteObject? r, string rel, PlanOptions o, out bool needsHash)
    {
        needsHash = false;
        bool push = o.Direction == SyncDirection.Push;
        bool deletes = o.Mode is SyncMode.Full or SyncMode.Checksum;
        if (l is null && r is null) return null;
        if (l is not null && r is null)
            return push ? Make(SyncAction.Upload, SyncReason.New, rel, l, null, o)
                 : deletes ? Make(SyncAction.Delete, SyncReason.Deleted, rel, l, null, o) : null;
        if (l is null)
            return push ? (deletes ? Make(SyncAction.Delete, SyncReason.Deleted, rel, null, r, o) : null)
                 : Make(SyncAction.Download, SyncReason.New, rel, null, r, o);
        // Both sides have it.
        if (o.Mode == SyncMode.Fast) return null;
        if (l.Size != r!.Size)
            return Make(push ? SyncAction.Upload : SyncAction.Download, SyncReason.SizeChanged, rel, l, r, o);
        if (o.Mode == SyncMode.Checksum) needsHash = true;
        return null;
    }

    /// <summary>The Checksum-mode decision once both MD5s are known (remote null: the object has none).</summary>
    public static PlanItem? DecideByHash(HashComparison c, string localMd5, string? remoteMd5, PlanOptions o)
    {
        if (remoteMd5 is null || string.Equals(localMd5, remoteMd5, StringComparison.OrdinalIgnoreCase)) return null;
        var push = o.Direction == SyncDirection.Push;
        return Make(push ? SyncAction.Upload : SyncAction.Download, SyncReason.ContentChanged, c.RelativePath, c.Local, c.Remote, o);
    }

    public static PlanItem Make(SyncAction action, SyncReason reason, string rel, LocalFile? l, RemoteObject? r, PlanOptions o,
        string? note = null) => new()
    {
        Action = action,
        Reason = reason,
        Direction = o.Direction,
        RelativePath = rel,
        Key = o.Prefix + rel,
        Size = action switch
        {
            SyncAction.Upload => l!.Size,
            SyncAction.Download => r!.Size,
            _ => (l?.Size ?? r?.Size) ?? 0,
        },
        LocalPath = l?.FullPath ?? KeyPaths.ToLocalPath(o.LocalRoot, rel),
        LocalSize = l?.Size,
        RemoteSize = r?.Size,
        LocalLastWriteUtc = l?.LastWriteUtc,
        RemoteETag = r?.ETag,
        Bucket = o.Bucket,
        Note = note,
    };
}
