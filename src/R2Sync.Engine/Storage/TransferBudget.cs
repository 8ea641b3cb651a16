namespace R2Sync.Engine.Storage;

/// <summary>
/// The run's transfer budget: at most <c>Transfers</c> bodies move at once. A worker holds one slot per item;
/// a multipart upload borrows further slots (without waiting) for extra parts in parallel, and gives them back.
/// </summary>
public sealed class TransferBudget : IDisposable
{
    private readonly SemaphoreSlim _slots;

    public TransferBudget(int slots)
    {
        Capacity = Math.Max(1, slots);
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    public int Capacity { get; }

    /// <summary>Slots free right now (for tests and diagnostics).</summary>
    public int Available => _slots.CurrentCount;

    public Task AcquireAsync(CancellationToken ct) => _slots.WaitAsync(ct);

    /// <summary>Takes a slot when one is free at once.</summary>
    public bool TryAcquire() => _slots.Wait(0);

    public void Release(int n = 1)
    {
        if (n > 0) _slots.Release(n);
    }

    public void Dispose() => _slots.Dispose();
}
