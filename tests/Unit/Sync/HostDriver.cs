using R2Sync.Engine.Planning;
using R2Sync.Engine.Storage;
using R2Sync.Engine.Sync;

namespace R2Sync.Tests.Sync;

/// <summary>Drives a <see cref="SyncRun"/> the way the cmdlets' pump does, for tests.</summary>
internal static class HostDriver
{
    /// <summary>Runs to the end as a cmdlet host would, approving everything; returns the events seen.</summary>
    public static async Task<(List<SyncEvent> Events, SyncSummary Summary)> RunAsync(IObjectStore store, SyncOptions o,
        IReadOnlyList<PlanItem>? plan = null, bool planOnly = false)
    {
        using var run = new SyncRun(store, o);
        var task = run.RunAsync(plan, planOnly, CancellationToken.None);
        var events = new List<SyncEvent>();
        await foreach (var e in run.Events.ReadAllAsync())
        {
            events.Add(e);
            switch (e)
            {
                case ItemPlanned p when !planOnly: run.Submit(p.Item); break;
                case PlanCompleted when !planOnly: run.EndSubmissions(); break;
                case DeletesPending: run.DecideDeletes(true); break;
            }
        }
        await task;
        return (events, run.Summary);
    }
}
