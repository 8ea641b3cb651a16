using System.Diagnostics;
using System.Management.Automation;
using R2Sync.Engine.Configuration;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;

namespace R2Sync.PowerShell.Hosting;

/// <summary>
/// The shared body of the sync cmdlets: settings, scope, and the pump that drains a run's event queue on the
/// pipeline thread (objects, errors, progress, ShouldProcess prompts). Worker threads never call the cmdlet.
/// </summary>
public abstract partial class SyncCommandBase : R2SyncCmdletBase
{
    /// <summary>The local experiments root (default ./experiments).</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Experiment folder names that scope both sides (also by property name: Get-R2SyncStatus | Push-R2Experiment).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ExperimentCompleter))]
    public string[]? Experiment { get; set; }

    private readonly List<string> _pipedExperiments = new();

    /// <summary>
    /// Objects came down the pipeline but none carried an experiment (an empty Where-Object, say): the run must do
    /// nothing rather than widen to every experiment.
    /// </summary>
    protected bool NothingPiped => MyInvocation.ExpectingInput && _pipedExperiments.Count == 0;

    /// <summary>Collects -Experiment over pipeline records; the run happens once, in EndProcessing.</summary>
    protected override void ProcessRecord()
    {
        if (Experiment is not null) _pipedExperiments.AddRange(Experiment);
    }

    [Parameter]
    public string[]? Exclude { get; set; }

    [Parameter]
    public string[]? Include { get; set; }

    [Parameter]
    [ValidateRange(1, 256)]
    public int Transfers { get; set; }

    [Parameter]
    [ValidateRange(1, 256)]
    public int Checkers { get; set; }

    [Parameter]
    [ValidateRange(0, 20)]
    public int RetryCount { get; set; } = 5;

    /// <summary>Refuse the whole delete phase when the plan holds more than this many deletes.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxDelete { get; set; } = -1;

    /// <summary>Delete more than half of the destination's files without asking.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Uploads larger than this many bytes use multipart upload (default 64 MiB).</summary>
    [Parameter]
    [ValidateRange(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024)]
    public long MultipartThreshold { get; set; } = 64L * 1024 * 1024;

    /// <summary>Multipart part size in bytes (default 16 MiB; at least 5 MiB; all parts equal but the last).</summary>
    [Parameter]
    [ValidateRange(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024)]
    public long PartSize { get; set; } = 16L * 1024 * 1024;

    private ErrorRecord? _deferredError;

    /// <summary>
    /// The delete guards: -MaxDelete refuses the phase outright (a terminating error once the summary is out);
    /// deleting more than half of the destination's files asks, and refuses when nobody can answer, unless -Force.
    /// </summary>
    protected (bool, string?) GuardDeletes(DeletesPending d)
    {
        var n = d.Deletes.Count;
        if (MaxDelete >= 0 && n > MaxDelete)
        {
            var msg = $"The plan holds {n} deletions, more than -MaxDelete {MaxDelete}; no deletion was performed (transfers were). Review the plan with Get-R2SyncPlan, then raise -MaxDelete.";
            _deferredError = new ErrorRecord(new SyncFailure(msg, null), ErrorIds.TooManyDeletes, ErrorCategory.LimitsExceeded, n);
            return (false, msg);
        }
        if (!Force && d.FilesInScope > 0 && n * 2 > d.FilesInScope)
        {
            var question = $"This run would delete {n} of {d.FilesInScope} files at the destination (more than half). Delete them?";
            bool interactive = !Console.IsInputRedirected && Environment.UserInteractive && !IsNonInteractiveHost();
            if (interactive)
            {
                try
                {
                    if (ShouldContinue(question, "Confirm mass deletion")) return (true, null);
                    return (false, "declined at the prompt");
                }
                catch (PSInvalidOperationException) { }
                catch (System.Management.Automation.Host.HostException) { }
            }
            var refusal = $"Refusing to delete {n} of {d.FilesInScope} files at the destination (more than half) without confirmation in a non-interactive session; no deletion was performed. Pass -Force to allow it.";
            _deferredError = new ErrorRecord(new SyncFailure(refusal, null), ErrorIds.DeleteRefused, ErrorCategory.OperationStopped, n);
            return (false, refusal);
        }
        return (true, null);
    }

    private bool IsNonInteractiveHost()
    {
        var args = Environment.GetCommandLineArgs();
        return args.Any(a => a.Equals("-NonInteractive", StringComparison.OrdinalIgnoreCase) || a.Equals("-noni", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Raises the terminating error a guard deferred until the run's summary was written.</summary>
    protected void ThrowDeferred()
    {
        if (_deferredError is { } e)
        {
            _deferredError = null;
            ThrowTerminatingError(e);
        }
    }

    /// <summary>The effective mode (set by -Mode or the switches of the derived cmdlet).</summary>
    protected abstract SyncMode EffectiveMode { get; }

    protected abstract SyncDirection EffectiveDirection { get; }

    protected string ResolveLocalRoot()
    {
        var p = Path ?? DefaultLocalRoot();
        return SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
    }

    protected (SyncOptions Options, ResolvedSettings Settings) BuildOptions(SyncMode mode, SyncDirection direction, bool verifyRemote = false)
    {
        var settings = ResolveSettings();
        _project = settings.Project;
        var filter = BuildFilter(WithProjectExcludes(settings.Project, Exclude), Include);
        var (t, c) = ProjectModeDefaults(settings.Project, mode, direction);
        var options = new SyncOptions
        {
            Mode = mode,
            Direction = direction,
            LocalRoot = ResolveLocalRoot(),
            Prefix = settings.Prefix,
            Bucket = settings.Bucket,
            Experiments = _pipedExperiments.Count > 0 ? _pipedExperiments.Distinct(StringComparer.Ordinal).ToArray() : Experiment ?? Array.Empty<string>(),
            Filter = filter,
            Transfers = Transfers > 0 ? Transfers : t,
            Checkers = Checkers > 0 ? Checkers : c,
            RetryCount = RetryCount,
            VerifyRemoteBeforeActing = verifyRemote,
            MultipartThreshold = MultipartThreshold,
            PartSize = PartSize,
        };
        WriteVerbose($"{direction} {mode}: {options.LocalRoot} <-> {settings.Endpoint} bucket '{settings.Bucket}' prefix '{settings.Prefix}' " +
                     $"(transfers {options.Transfers}, checkers {options.Checkers}); excludes: {string.Join(", ", filter.Excludes)}");
        return (options, settings);
    }

    /// <summary>The local MD5 cache of the run's root (in the user's cache folder; R2SYNC_CACHE_DIR overrides it).</summary>
    protected R2Sync.Engine.Hashing.IHashProvider OpenHashes(SyncOptions options)
    {
        var cache = R2Sync.Engine.Hashing.HashCache.Open(options.LocalRoot);
        WriteVerbose($"Hash cache: {cache.FilePath ?? "(memory only: the cache folder is inside the synced folder)"}");
        return cache;
    }

    /// <summary>How a planned item is named in -WhatIf and -Confirm.</summary>
    protected static string TargetOf(PlanItem item, IObjectStore store) => item.Action switch
    {
        SyncAction.Upload => store.Describe(item.Key),
        SyncAction.Delete when item.Direction == SyncDirection.Push => store.Describe(item.Key),
        _ => item.LocalPath,
    };

    /// <summary>
    /// Runs <paramref name="run"/> to the end on a worker task while this (pipeline) thread drains its events.
    /// </summary>
    /// <param name="planOnly">Emit plan items and stop (Get-R2SyncPlan).</param>
    /// <param name="onDeletes">Decides the delete phase (guards, prompts); returns (proceed, reason).</param>
    protected void Pump(SyncRun run, IObjectStore store, IReadOnlyList<PlanItem>? plan, bool planOnly, bool passThru,
        Func<DeletesPending, (bool, string?)> onDeletes, string activity)
    {
        var task = Task.Run(() => run.RunAsync(plan, planOnly, StopToken));
        var reader = run.Events;
        var progress = new ProgressWriter(this, activity, run.Progress);
        bool completed = false;
        try
        {
            while (true)
            {
                var wait = reader.WaitToReadAsync().AsTask();
                while (!((IAsyncResult)wait).AsyncWaitHandle.WaitOne(200))
                    progress.Tick();
                bool more;
                try
                {
                    more = wait.GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
                {
                    return; // Ctrl+C: in-flight transfers were cancelled, temporary files removed
                }
                if (!more) break;
                while (reader.TryRead(out var ev))
                {
                    switch (ev)
                    {
                        case ItemPlanned p when planOnly:
                            WriteObject(p.Item);
                            break;
                        case ItemPlanned p:
                            if (ShouldProcess(TargetOf(p.Item, store), p.Item.Action.ToString())) run.Submit(p.Item);
                            else run.Decline(p.Item);
                            break;
                        case PlanCompleted:
                            if (!planOnly) run.EndSubmissions();
                            break;
                        case DeletesPending d:
                            var (ok, why) = onDeletes(d);
                            run.DecideDeletes(ok, why);
                            break;
                        case ItemSucceeded s:
                            if (passThru) WriteObject(s.Result);
                            break;
                        case ItemFailed f:
                            WriteError(new ErrorRecord(f.Exception as Exception is { } x && x is not StoreException ? new SyncFailure(f.Message, x) : new SyncFailure(f.Message, null),
                                f.ErrorId, Category(f.Kind), f.Target));
                            break;
                        case LogMessage { Level: LogLevel.Warning } w:
                            WriteWarning(w.Text);
                            break;
                        case LogMessage { Level: LogLevel.Debug } dbg:
                            WriteDebug(dbg.Text);
                            break;
                        case LogMessage v:
                            WriteVerbose(v.Text);
                            break;
                        case RunCompleted rc:
                            completed = true;
                            if (!planOnly && !IsWhatIf) WriteObject(rc.Summary);
                            break;
                    }
                    progress.Tick();
                }
            }
            task.GetAwaiter().GetResult();
            ThrowDeferred();
        }
        catch (SyncRefusedException e)
        {
            ThrowTerminatingError(new ErrorRecord(new SyncFailure(e.Message, null), e.ErrorId, Category(e.Kind), e.Target));
        }
        catch (StoreException e)
        {
            ThrowTerminatingError(StoreError(e));
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
        }
        finally
        {
            run.Cancel();
            // Ctrl+C (or a Write* that threw because the pipeline stopped): let in-flight transfers unwind, so their
            // temporary files are gone before the cmdlet returns.
            try { task.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
            progress.Complete();
            _ = completed;
        }
    }

    protected bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && w is SwitchParameter s && s.IsPresent
        || (!MyInvocation.BoundParameters.ContainsKey("WhatIf") && SessionState.PSVariable.GetValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true);

    /// <summary>Throttled Write-Progress: at most 4 updates a second, and a Completed record at the end.</summary>
    private sealed class ProgressWriter
    {
        private readonly Cmdlet _cmdlet;
        private readonly string _activity;
        private readonly SyncProgress _p;
        private readonly Stopwatch _sw = Stopwatch.StartNew();
        private long _lastMs = -1000;
        private bool _written;

        public ProgressWriter(Cmdlet cmdlet, string activity, SyncProgress p)
        {
            _cmdlet = cmdlet;
            _activity = activity;
            _p = p;
        }

        public void Tick()
        {
            var now = _sw.ElapsedMilliseconds;
            if (now - _lastMs < 250) return;
            _lastMs = now;
            var rec = new ProgressRecord(1, _activity, Status());
            var total = _p.BytesTotal;
            if (total > 0 && _p.Phase == "Transferring")
            {
                var done = Math.Clamp(_p.BytesDone, 0, total);
                rec.PercentComplete = (int)(done * 100 / total);
                var rate = done / Math.Max(0.001, _sw.Elapsed.TotalSeconds);
                if (rate > 0) rec.SecondsRemaining = (int)Math.Min(int.MaxValue, (total - done) / rate);
            }
            _cmdlet.WriteProgress(rec);
            _written = true;
        }

        private string Status()
        {
            var secs = Math.Max(0.001, _sw.Elapsed.TotalSeconds);
            return _p.Phase switch
            {
                // Transfers start while the listing streams: say so before planning ends.
                "Planning" => $"Planning: {_p.Scanned:N0} local files scanned, {_p.Listed:N0} remote objects listed" +
                              (_p.FilesTotal > 0 ? $"; {_p.FilesDone:N0} of {_p.FilesTotal:N0} files transferred so far" : ""),
                "Comparing checksums" => $"Comparing checksums: {_p.Hashed:N0} files hashed",
                _ => $"{_p.Phase}: {_p.FilesDone:N0} of {_p.FilesTotal:N0} files, {Bytes(_p.BytesDone)} of {Bytes(_p.BytesTotal)}, {Bytes((long)(_p.BytesDone / secs))}/s",
            };
        }

        public void Complete()
        {
            if (!_written) return;
            _cmdlet.WriteProgress(new ProgressRecord(1, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        internal static string Bytes(long n) => n switch
        {
            < 1024 => $"{n} B",
            < 1024 * 1024 => $"{n / 1024.0:0.0} KB",
            < 1024L * 1024 * 1024 => $"{n / (1024.0 * 1024):0.0} MB",
            _ => $"{n / (1024.0 * 1024 * 1024):0.00} GB",
        };
    }
}

/// <summary>The exception of a per-item ErrorRecord: its message, and the cause where there is one.</summary>
public sealed class SyncFailure : Exception
{
    public SyncFailure(string message, Exception? inner) : base(message, inner) { }
}
