using R2Sync.Engine.Planning;

namespace R2Sync.Engine.Sync;

public sealed partial class SyncRun
{
    /// <summary>
    /// Pull: remote keys that differ only in case or Unicode normalization. Where the destination's file system
    /// would make them one file, only the first (ordinal) is downloaded and the others are reported as
    /// R2Sync.KeyCollision errors (so nothing is silently overwritten, and the delete phase is skipped); where it
    /// would not (Linux ext4), all are downloaded and a warning says the tree is not portable.
    /// </summary>
    private void GuardKeyCollisions(PlanResult result)
    {
        var downloads = result.Items.Where(i => i.Action == SyncAction.Download).ToList();
        if (downloads.Count + result.NeedsHash.Count < 2) return;
        var rels = downloads.Select(i => i.RelativePath)
            .Concat(result.NeedsHash.Select(h => h.RelativePath)).ToList();
        if (KeyCollisions.Find(rels).Count == 0) return;
        var (colliding, portable) = KeyCollisions.Split(rels, KeyCollisions.Probe(_o.LocalRoot));
        foreach (var g in portable)
            Log($"The keys {string.Join(", ", g.Select(r => $"'{_o.Prefix}{r}'"))} differ only in case or Unicode normalization: they were all downloaded here, but they name one file on macOS and Windows.", LogLevel.Warning);
        foreach (var g in colliding)
        {
            foreach (var loser in g.Skip(1))
            {
                var item = result.Items.FirstOrDefault(i => i.Action == SyncAction.Download && string.Equals(i.RelativePath, loser, StringComparison.Ordinal));
                if (item is null) continue;
                result.Items.Remove(item);
                Interlocked.Increment(ref _failed);
                Interlocked.Increment(ref _failedTransfers);
                Emit(new ItemFailed(item, ErrorIds.KeyCollision, FailureKind.ResourceExists,
                    $"The object key '{item.Key}' was not downloaded: it names the same local file as '{_o.Prefix}{g[0]}' on this file system (the keys differ only in case or Unicode normalization).",
                    _store.Describe(item.Key), null));
            }
        }
    }
}
