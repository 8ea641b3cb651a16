using System.Diagnostics;
using System.Threading.Channels;
using R2Sync.Engine.Hashing;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Scanning;
using R2Sync.Engine.Storage;

namespace R2Sync.Engine.Sync;

/// <summary>
/// One sync run: plan (scan and list at the same time, compare, hash where the mode asks), execute approved
/// transfers on a bounded pool of workers, then deletions, only when no transfer failed and the host agrees.
/// Worker threads never talk to the host directly: everything goes through <see cref="Events"/>.
/// </summary>
public sealed partial class SyncRun : IDisposable
{
    private readonly IObjectStore _store;
    private readonly SyncOptions _o;
    private readonly IHashProvider _hashes;
    private readonly Channel<SyncEvent> _events = Channel.CreateUnbounded<SyncEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<PlanItem> _work = Channel.CreateUnbounded<PlanItem>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly List<PlanItem> _deletes = new();
    private readonly TaskCompletionSource _submissionsEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _deleteDecision = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cts = new();
    private readonly SyncSummary _summary;
    private readonly TransferBudget _budget;
    // Small-file bodies come from a pool that lives and dies with the run: ArrayPool.Shared would keep up to
    // 1 MiB arrays per thread and per core for the rest of the user's session.
    private readonly System.Buffers.ArrayPool<byte> _bodies;
    private int _uploaded, _downloaded, _deleted, _skipped, _failed, _stale, _failedTransfers;
    private long _bytes;
    private int _filesInScope;

    public SyncRun(IObjectStore store, SyncOptions options, IHashProvider? hashes = null)
    {
        _store = store;
        _o = options;
        _hashes = hashes ?? new DirectHashProvider();
        _budget = new TransferBudget(options.Transfers);
        _bodies = System.Buffers.ArrayPool<byte>.Create(SmallFileLimit, Math.Max(1, options.Transfers));
        _summary = new SyncSummary
        {
            Direction = options.Direction, Mode = options.Mode, Bucket = options.Bucket ?? "", Prefix = options.Prefix,
            LocalRoot = options.LocalRoot,
        };
    }

    public ChannelReader<SyncEvent> Events => _events.Reader;
    public SyncProgress Progress { get; } = new();
    public IHashProvider Hashes => _hashes;

    /// <summary>Approves one planned item (a transfer starts at once; a delete waits for the delete phase).</summary>
    public void Submit(PlanItem item)
    {
        if (item.Action == SyncAction.Delete)
        {
            lock (_deletes) _deletes.Add(item);
            return;
        }
        Progress.AddTotal(1, item.Size);
        _work.Writer.TryWrite(item);
    }

    /// <summary>Counts a planned item the host declined (e.g. -WhatIf, or No at a -Confirm prompt).</summary>
    public void Decline(PlanItem item) => Interlocked.Increment(ref _skipped);

    /// <summary>The host has answered every planned item.</summary>
    public void EndSubmissions() => _submissionsEnded.TrySetResult();

    /// <summary>The host's answer to <see cref="DeletesPending"/>.</summary>
    public void DecideDeletes(bool proceed, string? reason = null)
    {
        if (!proceed)
        {
            _summary.DeletesSkipped = true;
            _summary.DeletesSkippedReason = reason;
        }
        _deleteDecision.TrySetResult(proceed);
    }

    public void Cancel() => _cts.Cancel();

    /// <summary>
    /// Runs the whole job. With <paramref name="plan"/> null it plans first; otherwise it executes the given items
    /// (a piped plan), after checking that each still applies. With <paramref name="planOnly"/> it stops after planning.
    /// The events channel completes when this returns (with the exception, if the run was refused or failed).
    /// </summary>
    public async Task RunAsync(IReadOnlyList<PlanItem>? plan, bool planOnly, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _cts.Token);
        var token = linked.Token;
        var sw = Stopwatch.StartNew();
        Exception? fault = null;
        Task[] workers = Array.Empty<Task>();
        try
        {
            if (!planOnly)
                workers = Enumerable.Range(0, Math.Max(1, _o.Transfers)).Select(_ => Task.Run(() => WorkerAsync(token), token)).ToArray();

            PlanStats stats = plan is null ? await PlanAsync(token).ConfigureAwait(false) : EmitSupplied(plan);
            Emit(new PlanCompleted(stats));
            if (planOnly) return;

            await _submissionsEnded.Task.WaitAsync(token).ConfigureAwait(false);
            _work.Writer.TryComplete();
            Progress.Phase = "Transferring";
            await Task.WhenAll(workers).ConfigureAwait(false);
            await DeletePhaseAsync(token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            fault = e;
            _cts.Cancel();
            _work.Writer.TryComplete();
            try { await Task.WhenAll(workers).ConfigureAwait(false); } catch { /* cancelled with the run */ }
        }
        finally
        {
            try { _hashes.Flush(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            _summary.Uploaded = _uploaded;
            _summary.Downloaded = _downloaded;
            _summary.Deleted = _deleted;
            _summary.Skipped = _skipped;
            _summary.Failed = _failed;
            _summary.Stale = _stale;
            _summary.FilesRead = _hashes.FilesRead;
            _summary.Bytes = Interlocked.Read(ref _bytes);
            _summary.Duration = sw.Elapsed;
            if (fault is null) Emit(new RunCompleted(_summary));
            _events.Writer.TryComplete(fault);
        }
    }

    public SyncSummary Summary => _summary;

    private void Emit(SyncEvent e) => _events.Writer.TryWrite(e);

    private void Log(string text, LogLevel level = LogLevel.Verbose) => Emit(new LogMessage(level, text));

    // ---------------------------------------------------------------- planning

    private (string RelBase, string LocalDir, string Prefix)[] Scopes()
    {
        if (_o.Experiments.Count == 0) return new[] { ("", _o.LocalRoot, _o.Prefix) };
        return _o.Experiments.Distinct(StringComparer.Ordinal)
            .Select(e => (e + "/", Path.Combine(_o.LocalRoot, e), _o.Prefix + e + "/")).ToArray();
    }

    private async Task<PlanStats> PlanAsync(CancellationToken ct)
    {
        foreach (var e in _o.Experiments)
            if (e.Length == 0 || e.Contains('/') || e.Contains('\\') || e is "." or ".." || KeyPaths.Validate(e) is not null)
                throw new SyncRefusedException(ErrorIds.InvalidSetting, FailureKind.InvalidArgument,
                    $"'{e}' is not an experiment folder name (one folder name under the root, no '/' or '..').", e);

        bool push = _o.Direction == SyncDirection.Push;
        if (push && !Directory.Exists(_o.LocalRoot))
            throw new SyncRefusedException(ErrorIds.LocalRootMissing, FailureKind.ObjectNotFound,
                $"The local folder '{_o.LocalRoot}' does not exist; nothing was pushed{(_o.Deletes ? " and nothing was deleted" : "")}. Pass -Path with your experiments folder.",
                _o.LocalRoot);

        var scopes = Scopes();
        var scanner = new LocalScanner(_o.Filter) { RemoveStaleTempFiles = !push };
        var scanTask = Task.Run(() =>
        {
            var perScope = new List<LocalFile>[scopes.Length];
            for (int i = 0; i < scopes.Length; i++)
            {
                perScope[i] = new List<LocalFile>();
                foreach (var f in scanner.Scan(scopes[i].LocalDir, scopes[i].RelBase, ct))
                {
                    perScope[i].Add(f);
                    Progress.AddScanned();
                }
            }
            return perScope;
        }, ct);
        // Every scope's prefix is listed at once, each as one flat paged listing, streamed into one queue.
        var listing = Channel.CreateUnbounded<(int Scope, RemoteObject? Object)>(new UnboundedChannelOptions { SingleReader = true });
        var listers = scopes.Select((s, i) => Task.Run(() => ListIntoAsync(i, s.Prefix, listing.Writer, ct), ct)).ToArray();
        // A failed or cancelled listing must never look complete: that would plan present objects as missing.
        _ = Task.WhenAll(listers).ContinueWith(t => listing.Writer.TryComplete(
            t.IsFaulted ? t.Exception!.InnerException : t.IsCanceled ? new OperationCanceledException(ct) : null), TaskScheduler.Default);
        var localPerScope = await scanTask.ConfigureAwait(false);
        var local = localPerScope.SelectMany(l => l).ToList();
        if (push)
            return await PlanPushStreamingAsync(scanner, localPerScope, local, listing.Reader, ct).ConfigureAwait(false);
        return await PlanPullStreamingAsync(scanner, local, listing.Reader, ct).ConfigureAwait(false);
    }

    private async Task ListIntoAsync(int scope, string prefix, ChannelWriter<(int, RemoteObject?)> writer, CancellationToken ct)
    {
        await foreach (var o in _store.ListAsync(prefix, ct).ConfigureAwait(false))
        {
            Progress.AddListed();
            writer.TryWrite((scope, o));
        }
        writer.TryWrite((scope, null)); // this scope's listing is complete
    }

    private void ReportScanProblems(LocalScanner scanner)
    {
        foreach (var p in scanner.Problems)
        {
            if (p.Kind == "UnreadableFolder")
            {
                // An incomplete local side must never turn into remote deletions.
                Interlocked.Increment(ref _failedTransfers);
                Interlocked.Increment(ref _failed);
                Emit(new ItemFailed(null, ErrorIds.ScanProblem, FailureKind.ReadError, $"Cannot read '{p.Path}': {p.Message}", p.Path, null));
            }
            else Log($"{p.Path}: {p.Message}", LogLevel.Warning);
        }
    }

    /// <summary>
    /// Push planning that starts transfers while the listing is still streaming. The local side is indexed first
    /// (the scan is fast); each listed object is compared as it arrives. S3 lists keys in UTF-8 byte order, so once
    /// the listing has passed a key, a local file with a smaller key that the listing did not match is known to be
    /// missing remotely: its upload is planned at once instead of after the last page.
    /// </summary>
    private async Task<PlanStats> PlanPushStreamingAsync(LocalScanner scanner, List<LocalFile>[] perScope, List<LocalFile> local,
        ChannelReader<(int Scope, RemoteObject? Object)> listing, CancellationToken ct)
    {
        ReportScanProblems(scanner);
        var o = _o.ToPlanOptions();
        if (_o.Deletes && local.Count == 0)
            throw new SyncRefusedException(ErrorIds.DeleteRefused, FailureKind.InvalidData,
                $"Refusing a {_o.Mode} push: the local folder '{_o.LocalRoot}' holds no file to sync, so every remote object in scope would be deleted. Nothing was changed.",
                _o.LocalRoot);

        var result = new PlanResult { LocalCount = local.Count };
        var index = new Dictionary<string, LocalFile>(local.Count, StringComparer.Ordinal);
        foreach (var f in local) index[f.RelativePath] = f;
        // Per scope: the local files in listing order, and how far the listing has gone.
        var sorted = perScope.Select(l => l.Select(f => (Key: o.Prefix + f.RelativePath, File: f))
            .OrderBy(x => x.Key, Utf8Order.Comparer).ToArray()).ToArray();
        var cursor = new int[sorted.Length];
        var lastKey = new string?[sorted.Length];
        int emitted = 0;
        bool ordered = true;

        void EmitNew()
        {
            for (; emitted < result.Items.Count; emitted++) Emit(new ItemPlanned(result.Items[emitted]));
        }

        void LocalOnlyUpTo(int scope, string? key)
        {
            var list = sorted[scope];
            ref int c = ref cursor[scope];
            for (; c < list.Length && (key is null || Utf8Order.Compare(list[c].Key, key) < 0); c++)
            {
                var f = list[c].File;
                if (!index.Remove(f.RelativePath)) continue; // matched by the listing
                var item = Planner.Decide(f, null, f.RelativePath, o, out _);
                if (item is not null) result.Items.Add(item);
            }
        }

        await foreach (var (scope, obj) in listing.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (obj is null)
            {
                LocalOnlyUpTo(scope, null); // the listing is complete: what is left is local-only
            }
            else
            {
                if (ordered && lastKey[scope] is { } prev && Utf8Order.Compare(obj.Key, prev) < 0)
                {
                    ordered = false; // a store that does not list in order: plan local-only files at the end
                    Log("The store did not list keys in UTF-8 order; uploads of new files wait for the end of the listing.");
                }
                lastKey[scope] = obj.Key;
                Planner.PlanRemote(obj, index, o, _o.Filter.IsExcluded, result);
                if (ordered) LocalOnlyUpTo(scope, obj.Key);
            }
            EmitNew();
        }
        for (int i = 0; i < sorted.Length; i++) LocalOnlyUpTo(i, null);
        EmitNew();
        _filesInScope = result.RemoteCount; // the destination's files
        return await FinishPlanAsync(result, o, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Pull planning that starts downloads while the listing is still streaming. The local side is indexed first;
    /// each listed object is decided as it arrives, so a file missing locally is downloaded at once instead of after
    /// the last page. What is left in the index at the end is local-only (the deletes of Full and Checksum, which wait
    /// for the delete phase anyway). Keys that differ only in case or Unicode normalization are caught as they stream
    /// (<see cref="CollisionGuard"/>): where the file system makes them one file the first listed wins and the others
    /// are refused, so nothing is ever overwritten by a sibling key.
    /// </summary>
    private async Task<PlanStats> PlanPullStreamingAsync(LocalScanner scanner, List<LocalFile> local,
        ChannelReader<(int Scope, RemoteObject? Object)> listing, CancellationToken ct)
    {
        ReportScanProblems(scanner);
        if (scanner.StaleTempFilesRemoved > 0)
            Log($"Removed {scanner.StaleTempFilesRemoved} temporary file(s) left by an interrupted pull.");
        var o = _o.ToPlanOptions();
        var result = new PlanResult { LocalCount = local.Count };
        var index = new Dictionary<string, LocalFile>(local.Count, StringComparer.Ordinal);
        foreach (var f in local) index[f.RelativePath] = f;
        var guard = new CollisionGuard(_o.LocalRoot);
        var refusedHashes = new HashSet<string>(StringComparer.Ordinal);
        int items = 0, rejected = 0, hashes = 0;

        await foreach (var (_, obj) in listing.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (obj is null) continue; // one scope's listing is complete; local-only files wait for all of them
            Planner.PlanRemote(obj, index, o, _o.Filter.IsExcluded, result);
            for (; rejected < result.Rejected.Count; rejected++) EmitRejected(result.Rejected[rejected]);
            for (; hashes < result.NeedsHash.Count; hashes++)
            {
                var h = result.NeedsHash[hashes];
                var winner = guard.Claim(h.RelativePath);
                if (winner is null) continue;
                refusedHashes.Add(h.RelativePath);
                RefuseCollision(Planner.Make(SyncAction.Download, SyncReason.ContentChanged, h.RelativePath, h.Local, h.Remote, o), winner);
            }
            for (; items < result.Items.Count; items++)
            {
                var item = result.Items[items];
                if (item.Action == SyncAction.Download && guard.Claim(item.RelativePath) is { } winner) RefuseCollision(item, winner);
                else Emit(new ItemPlanned(item));
            }
        }
        if (refusedHashes.Count > 0) result.NeedsHash.RemoveAll(h => refusedHashes.Contains(h.RelativePath));
        foreach (var g in guard.PortableGroups())
            Log($"The keys {string.Join(", ", g.Select(r => $"'{_o.Prefix}{r}'"))} differ only in case or Unicode normalization: they were all downloaded here, but they name one file on macOS and Windows.", LogLevel.Warning);

        _filesInScope = result.LocalCount; // the destination's files
        var localOnly = new PlanResult();
        Planner.PlanLocalOnly(index.Values, o, localOnly);
        if (_o.Deletes && result.RemoteCount == 0)
            throw new SyncRefusedException(ErrorIds.DeleteRefused, FailureKind.InvalidData,
                $"Refusing a {_o.Mode} pull: the remote scope {_store.Describe(_o.Prefix)} is empty, so every local file in scope would be deleted. Nothing was changed.",
                _store.Describe(_o.Prefix));
        foreach (var item in localOnly.Items) Emit(new ItemPlanned(item));
        return await FinishPlanAsync(result, o, ct).ConfigureAwait(false);
    }

    private void EmitRejected(RejectedKey rej)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.Increment(ref _failedTransfers);
        Emit(new ItemFailed(null, ErrorIds.UnsafeKey, FailureKind.InvalidData,
            $"The object key '{rej.Key}' was not downloaded: {rej.Reason}.", _store.Describe(rej.Key), null));
    }

    /// <summary>Checksum comparisons, counters and the stats every plan ends with.</summary>
    private async Task<PlanStats> FinishPlanAsync(PlanResult result, PlanOptions planOptions, CancellationToken ct)
    {
        int bySize = await CompareByHashAsync(result.NeedsHash, planOptions, ct).ConfigureAwait(false);
        if (result.NeedsHash.Count > 0)
            Log($"Checksum: {result.NeedsHash.Count} same-size pair(s) compared; {_hashes.FilesRead} local file(s) read to hash them" +
                (_hashes is HashCache hc ? $", {hc.Hits} answered by the hash cache" : "") + ".");
        _summary.FilesRead = _hashes.FilesRead;
        Interlocked.Add(ref _skipped, result.InSync + (result.NeedsHash.Count));
        _summary.LocalFiles = result.LocalCount;
        _summary.RemoteObjects = result.RemoteCount;
        _summary.ComparedBySize = bySize;
        return new PlanStats
        {
            FilesRead = _hashes.FilesRead,
            LocalFiles = result.LocalCount,
            RemoteObjects = result.RemoteCount,
            InSync = result.InSync,
            Rejected = result.Rejected.Count,
            ComparedBySize = bySize,
        };
    }

    /// <summary>Checksum mode: compares equal-size pairs by MD5 with at most Checkers at once. Returns how many had no remote MD5.</summary>
    private async Task<int> CompareByHashAsync(List<HashComparison> pairs, PlanOptions po, CancellationToken ct)
    {
        if (pairs.Count == 0) return 0;
        Progress.Phase = "Comparing checksums";
        int bySize = 0;
        await Parallel.ForEachAsync(pairs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _o.Checkers), CancellationToken = ct },
            async (c, t) =>
            {
                string? remoteMd5 = c.Remote.EtagMd5;
                if (remoteMd5 is null)
                {
                    var head = await _store.HeadAsync(c.Remote.Key, t).ConfigureAwait(false);
                    remoteMd5 = head?.MetadataMd5Hex;
                }
                if (remoteMd5 is null)
                {
                    Interlocked.Increment(ref bySize);
                    Log($"{c.RelativePath}: compared by size: the object has no MD5 (multipart ETag and no md5chksum metadata).");
                    return;
                }
                var localMd5 = await _hashes.GetMd5Async(c.Local, t).ConfigureAwait(false);
                Progress.AddHashed();
                var item = Planner.DecideByHash(c, localMd5, remoteMd5, po);
                if (item is not null)
                {
                    Interlocked.Decrement(ref _skipped); // counted as skipped below unless it needs a transfer
                    Emit(new ItemPlanned(item));
                }
            }).ConfigureAwait(false);
        return bySize;
    }

    private PlanStats EmitSupplied(IReadOnlyList<PlanItem> plan)
    {
        foreach (var item in plan) Emit(new ItemPlanned(item));
        // The destination's file count is unknown here (nothing was listed), and every item was chosen by the user:
        // 0 turns off the "more than half of the destination" question (it was plan.Count, which refused any piped
        // plan made mostly of deletes). -MaxDelete still applies.
        _filesInScope = 0;
        return new PlanStats();
    }

    // ---------------------------------------------------------------- transfers

    private async Task WorkerAsync(CancellationToken ct)
    {
        await foreach (var item in _work.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            await _budget.AcquireAsync(ct).ConfigureAwait(false); // one slot per item; multipart borrows more
            try { await ExecuteWithRetriesAsync(item, ct).ConfigureAwait(false); }
            finally { _budget.Release(); }
        }
    }

    private sealed class StaleItemException : Exception
    {
        public StaleItemException(string message) : base(message) { }
    }

    private sealed class AlreadyInSyncException : Exception
    {
        public AlreadyInSyncException(string message) : base(message) { }
    }

    private async Task ExecuteWithRetriesAsync(PlanItem item, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            long moved = 0;
            void Count(long n) { moved += n; Progress.AddBytes(n); }
            try
            {
                string? md5 = item.Action == SyncAction.Upload
                    ? await UploadAsync(item, Count, ct).ConfigureAwait(false)
                    : await DownloadAsync(item, Count, ct).ConfigureAwait(false);
                if (item.Action == SyncAction.Upload) Interlocked.Increment(ref _uploaded); else Interlocked.Increment(ref _downloaded);
                Interlocked.Add(ref _bytes, item.Size);
                Progress.FileDone();
                Emit(new ItemSucceeded(new ItemResult
                {
                    Action = item.Action, Reason = item.Reason, Direction = item.Direction, RelativePath = item.RelativePath,
                    Key = item.Key, Size = item.Size, LocalPath = item.LocalPath, Duration = sw.Elapsed, Attempts = attempt, Md5 = md5,
                }));
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (AlreadyInSyncException e)
            {
                Progress.FileDone();
                Interlocked.Increment(ref _skipped);
                Log($"{item.RelativePath}: {e.Message}");
                return;
            }
            catch (StaleItemException e)
            {
                Progress.FileDone();
                Interlocked.Increment(ref _skipped);
                Interlocked.Increment(ref _stale);
                Log($"Skipped {item.Action.ToString().ToLowerInvariant()} of '{item.RelativePath}': {e.Message}", LogLevel.Warning);
                return;
            }
            catch (Exception e) when (IsRetryable(e) && attempt <= _o.RetryCount)
            {
                Progress.AddBytes(-moved);
                Log($"{item.Action} of '{item.RelativePath}' failed (attempt {attempt} of {_o.RetryCount + 1}), retrying: {e.Message}");
                await Task.Delay(Backoff(attempt), ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Progress.AddBytes(-moved);
                Progress.FileDone();
                Interlocked.Increment(ref _failed);
                Interlocked.Increment(ref _failedTransfers);
                var (id, kind) = Classify(item, e);
                Emit(new ItemFailed(item, id, kind, $"{item.Action} of '{item.RelativePath}' failed after {attempt} attempt(s): {e.Message}",
                    item.Action == SyncAction.Upload ? _store.Describe(item.Key) : item.LocalPath, e));
                return;
            }
        }
    }

    private static bool IsRetryable(Exception e) => e switch
    {
        StoreException s => s.IsTransient,
        HttpRequestException => true,
        TimeoutException => true,
        TaskCanceledException => true, // an HTTP time-out (the run's own cancellation is handled before)
        _ => false,
    };

    private TimeSpan Backoff(int attempt)
    {
        var baseMs = _o.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 8));
        var capped = Math.Min(baseMs, 20_000);
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2); // "equal jitter"
    }

    private static (string, FailureKind) Classify(PlanItem item, Exception e) => e switch
    {
        StoreException { Kind: StoreErrorKind.PreconditionFailed } => (ErrorIds.ObjectExists, FailureKind.ResourceExists),
        StoreException { Kind: StoreErrorKind.Corrupt } => (ErrorIds.CorruptDownload, FailureKind.InvalidData),
        StoreException { Kind: StoreErrorKind.AccessDenied } => (ErrorIds.AccessDenied, FailureKind.PermissionDenied),
        StoreException { Kind: StoreErrorKind.Unreachable or StoreErrorKind.Transient } => (item.Action == SyncAction.Upload ? ErrorIds.UploadFailed : ErrorIds.DownloadFailed, FailureKind.ConnectionError),
        StoreException { Kind: StoreErrorKind.Other, InnerException: IOException and not System.Net.Http.HttpIOException } => (item.Action == SyncAction.Upload ? ErrorIds.UploadFailed : ErrorIds.DownloadFailed, item.Action == SyncAction.Upload ? FailureKind.ReadError : FailureKind.WriteError),
        FileChangedException => (ErrorIds.FileChanged, FailureKind.InvalidData),
        UnauthorizedAccessException => (item.Action == SyncAction.Upload ? ErrorIds.UploadFailed : ErrorIds.DownloadFailed, FailureKind.PermissionDenied),
        IOException => (item.Action == SyncAction.Upload ? ErrorIds.UploadFailed : ErrorIds.DownloadFailed, item.Action == SyncAction.Upload ? FailureKind.ReadError : FailureKind.WriteError),
        _ => (item.Action == SyncAction.Upload ? ErrorIds.UploadFailed : ErrorIds.DownloadFailed, FailureKind.NotSpecified),
    };

    private sealed class FileChangedException : IOException
    {
        public FileChangedException(string message) : base(message) { }
    }

    private async Task<string?> UploadAsync(PlanItem item, Action<long> progress, CancellationToken ct)
    {
        var fi = new FileInfo(item.LocalPath);
        if (!fi.Exists) throw new StaleItemException("the local file no longer exists");
        if (item.LocalSize is long planned && fi.Length != planned)
            throw new StaleItemException($"the local file changed size since the plan ({planned} → {fi.Length} bytes)");
        var before = new LocalFile(item.RelativePath, item.LocalPath, fi.Length, fi.LastWriteTimeUtc);
        byte[]? buffer = null;
        try
        {
            string md5;
            ArraySegment<byte>? content = null;
            if (before.Size <= SmallFileLimit)
            {
                // Small files (most of an experiments tree): read once, hash and send the same bytes.
                buffer = _bodies.Rent((int)Math.Max(1, before.Size));
                int n = await ReadWholeAsync(item.LocalPath, buffer, (int)before.Size, ct).ConfigureAwait(false);
                if (n != before.Size)
                    throw new FileChangedException($"the file changed while it was being read ({before.Size} bytes expected, {n} read). Run the push again");
                content = new ArraySegment<byte>(buffer, 0, n);
                md5 = Md5.ToHex(System.Security.Cryptography.MD5.HashData(content.Value.AsSpan()));
                if (_hashes is HashCache cache) cache.Remember(before, md5);
            }
            else md5 = await _hashes.GetMd5Async(before, ct).ConfigureAwait(false);
            bool conditional = _o.ConditionalCreate && _o.Mode == SyncMode.Fast && item.Reason == SyncReason.New && _store.SupportsConditionalCreate;
            try
            {
                await _store.UploadAsync(new UploadRequest
                {
                    Key = item.Key, LocalPath = item.LocalPath, Size = before.Size, Md5Hex = md5, LastWriteUtc = before.LastWriteUtc,
                    IfNoneMatch = conditional, Budget = _budget, MultipartThreshold = _o.MultipartThreshold, PartSize = _o.PartSize,
                    Content = content,
                }, progress, ct).ConfigureAwait(false);
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.PreconditionFailed)
            {
                // Someone (or an earlier attempt of ours whose answer was lost) created the key. Same bytes: nothing to do.
                var head = await _store.HeadAsync(item.Key, ct).ConfigureAwait(false);
                var theirs = head is null ? null : (Md5.IsHexMd5(head.ETag) ? head.ETag!.ToLowerInvariant() : head.MetadataMd5Hex);
                if (theirs == md5) throw new AlreadyInSyncException("already uploaded with identical content");
                throw;
            }
            fi.Refresh();
            if (!fi.Exists || fi.Length != before.Size || fi.LastWriteTimeUtc != before.LastWriteUtc)
                throw new FileChangedException($"the file changed while it was being uploaded; the object holds the version of {before.LastWriteUtc:u}. Run the push again");
            return md5;
        }
        finally
        {
            if (buffer is not null) _bodies.Return(buffer);
        }
    }

    /// <summary>Files up to this size are read into memory once for both their MD5 and their upload.</summary>
    private const int SmallFileLimit = 1024 * 1024;

    private static async Task<int> ReadWholeAsync(string path, byte[] buffer, int size, CancellationToken ct)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        int total = 0;
        while (total < size)
        {
            int n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(total, size - total), total, ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        // One byte more than expected means the file grew since it was planned.
        if (total == size && RandomAccess.GetLength(handle) != size) return -1;
        return total;
    }

    private async Task<string?> DownloadAsync(PlanItem item, Action<long> progress, CancellationToken ct)
    {
        var dest = item.LocalPath;
        var dir = Path.GetDirectoryName(dest)!;
        bool overwrite = item.LocalSize is not null;
        var fi = new FileInfo(dest);
        if (!overwrite && fi.Exists) throw new StaleItemException("a local file appeared since the plan; it was not overwritten");
        if (overwrite && (!fi.Exists || fi.Length != item.LocalSize))
            throw new StaleItemException("the local file changed since the plan; it was not overwritten");
        if (Directory.Exists(dest))
            throw new IOException($"'{dest}' is a folder locally, so the object '{item.Key}' cannot be written there");
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".r2sync.{Guid.NewGuid():N}.tmp");
        try
        {
            var r = await _store.DownloadAsync(item.Key, tmp, progress, ct).ConfigureAwait(false);
            var expected = Md5.IsHexMd5(r.ETag) ? r.ETag!.ToLowerInvariant() : r.MetadataMd5Hex;
            if (expected is not null && r.ReceivedMd5Hex is not null && !string.Equals(expected, r.ReceivedMd5Hex, StringComparison.OrdinalIgnoreCase))
                throw new StoreException(StoreErrorKind.Corrupt,
                    $"the received bytes of {_store.Describe(item.Key)} have MD5 {r.ReceivedMd5Hex}, not {expected}; the download was discarded",
                    _store.Describe(item.Key));
            File.SetLastWriteTimeUtc(tmp, r.MetadataMtimeUtc ?? r.LastModifiedUtc);
            try
            {
                File.Move(tmp, dest, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(dest))
            {
                throw new StaleItemException("a local file appeared during the download; it was not overwritten");
            }
            if (_hashes is HashCache cache && r.ReceivedMd5Hex is not null)
            {
                var got = new FileInfo(dest);
                cache.Remember(new LocalFile(item.RelativePath, dest, got.Length, got.LastWriteTimeUtc), r.ReceivedMd5Hex);
            }
            return r.ReceivedMd5Hex;
        }
        finally
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    // ---------------------------------------------------------------- deletions

    private async Task DeletePhaseAsync(CancellationToken ct)
    {
        List<PlanItem> deletes;
        lock (_deletes) deletes = _deletes.ToList();
        if (deletes.Count == 0) return;
        if (_failedTransfers > 0)
        {
            Interlocked.Add(ref _skipped, deletes.Count);
            _summary.DeletesSkipped = true;
            _summary.DeletesSkippedReason = $"{_failedTransfers} item(s) failed";
            Emit(new ItemFailed(null, ErrorIds.DeletesSkipped, FailureKind.OperationStopped,
                $"{deletes.Count} deletion(s) were not performed because {_failedTransfers} item(s) failed in this run. Fix the failures and run again.",
                _o.Direction == SyncDirection.Push ? _store.Describe(_o.Prefix) : _o.LocalRoot, null));
            return;
        }
        Emit(new DeletesPending(deletes, _filesInScope, _failedTransfers));
        if (!await _deleteDecision.Task.WaitAsync(ct).ConfigureAwait(false))
        {
            Interlocked.Add(ref _skipped, deletes.Count);
            return;
        }
        Progress.Phase = "Deleting";
        Progress.AddTotal(deletes.Count, 0);
        if (_o.Direction == SyncDirection.Push) await DeleteRemoteAsync(deletes, ct).ConfigureAwait(false);
        else DeleteLocal(deletes, ct);
    }

    private async Task DeleteRemoteAsync(List<PlanItem> deletes, CancellationToken ct)
    {
        var keys = new List<string>(deletes.Count);
        if (_o.VerifyRemoteBeforeActing)
        {
            foreach (var d in deletes)
            {
                var head = await _store.HeadAsync(d.Key, ct).ConfigureAwait(false);
                if (head is null) { Interlocked.Increment(ref _skipped); Interlocked.Increment(ref _stale); Log($"Skipped delete of '{d.RelativePath}': the object no longer exists", LogLevel.Warning); Progress.FileDone(); continue; }
                keys.Add(d.Key);
            }
        }
        else keys.AddRange(deletes.Select(d => d.Key));
        if (keys.Count == 0) return;
        var failures = await _store.DeleteAsync(keys, ct).ConfigureAwait(false);
        var failed = failures.ToDictionary(f => f.Key, f => f.Message, StringComparer.Ordinal);
        var sent = new HashSet<string>(keys, StringComparer.Ordinal); // a set: a Full run can delete tens of thousands
        foreach (var d in deletes)
        {
            if (!sent.Contains(d.Key)) continue;
            Progress.FileDone();
            if (failed.TryGetValue(d.Key, out var msg))
            {
                Interlocked.Increment(ref _failed);
                Emit(new ItemFailed(d, ErrorIds.DeleteFailed, FailureKind.WriteError, $"Delete of '{d.Key}' failed: {msg}", _store.Describe(d.Key), null));
            }
            else
            {
                Interlocked.Increment(ref _deleted);
                Emit(new ItemSucceeded(new ItemResult { Action = SyncAction.Delete, Reason = d.Reason, Direction = d.Direction, RelativePath = d.RelativePath, Key = d.Key, Size = d.Size, LocalPath = d.LocalPath }));
            }
        }
    }

    private void DeleteLocal(List<PlanItem> deletes, CancellationToken ct)
    {
        foreach (var d in deletes)
        {
            ct.ThrowIfCancellationRequested();
            Progress.FileDone();
            var fi = new FileInfo(d.LocalPath);
            if (!fi.Exists || (d.LocalSize is long s && fi.Length != s))
            {
                Interlocked.Increment(ref _skipped);
                Interlocked.Increment(ref _stale);
                Log($"Skipped delete of '{d.RelativePath}': the local file changed or vanished since the plan", LogLevel.Warning);
                continue;
            }
            try
            {
                fi.Delete();
                Interlocked.Increment(ref _deleted);
                Emit(new ItemSucceeded(new ItemResult { Action = SyncAction.Delete, Reason = d.Reason, Direction = d.Direction, RelativePath = d.RelativePath, Key = d.Key, Size = d.Size, LocalPath = d.LocalPath }));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _failed);
                Emit(new ItemFailed(d, ErrorIds.DeleteFailed, FailureKind.WriteError, $"Delete of '{d.LocalPath}' failed: {e.Message}", d.LocalPath, e));
            }
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _work.Writer.TryComplete();
        _submissionsEnded.TrySetCanceled();
        _deleteDecision.TrySetCanceled();
        _cts.Dispose();
    }
}
