using R2Sync.Engine.Planning;

namespace R2Sync.Engine.Sync;

public sealed partial class SyncRun
{
    /// <summary>
    /// Pull: remote keys that differ only in case or Unicode normalization, caught while the listing streams.
    /// Where the destination's file system makes them one file, the first listed is downloaded and the others are
    /// refused (R2Sync.KeyCollision errors, so nothing is silently overwritten and the delete phase is skipped);
    /// where it would not (Linux ext4), all are downloaded and a warning says the tree is not portable.
    /// The file system is probed (one temporary file) only when a first pair of look-alike keys turns up.
    /// </summary>
    private sealed class CollisionGuard
    {
        private readonly string _root;
        private readonly Dictionary<string, List<string>> _claimed = new(StringComparer.Ordinal);
        private FileSystemFolding? _folding;

        public CollisionGuard(string root) => _root = root;

        /// <summary>Claims the local name of <paramref name="rel"/>; returns the earlier key it collides with here, or null.</summary>
        public string? Claim(string rel)
        {
            var name = KeyCollisions.Fold(rel);
            if (!_claimed.TryGetValue(name, out var group))
            {
                _claimed[name] = new List<string>(1) { rel };
                return null;
            }
            if (group.Contains(rel, StringComparer.Ordinal)) return null;
            var folding = _folding ??= KeyCollisions.Probe(_root);
            var here = KeyCollisions.NameOn(rel, folding);
            foreach (var earlier in group)
                if (string.Equals(KeyCollisions.NameOn(earlier, folding), here, StringComparison.Ordinal))
                    return earlier;
            group.Add(rel);
            return null;
        }

        /// <summary>Groups of keys that were all downloaded here but name one file on a folding file system.</summary>
        public IEnumerable<List<string>> PortableGroups() => _claimed.Values.Where(g => g.Count > 1);
    }

    private void RefuseCollision(PlanItem item, string winner)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.Increment(ref _failedTransfers);
        Emit(new ItemFailed(item, ErrorIds.KeyCollision, FailureKind.ResourceExists,
            $"The object key '{item.Key}' was not downloaded: it names the same local file as '{_o.Prefix}{winner}' on this file system (the keys differ only in case or Unicode normalization).",
            _store.Describe(item.Key), null));
    }
}
