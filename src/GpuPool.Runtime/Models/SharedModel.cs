namespace GpuPool.Runtime.Models;

/// <summary>
/// One loaded instance and its reference count: one reference per lease model that uses it, one per run
/// in flight, and one while the catalog keeps it unused. The instance is disposed when the count reaches
/// zero, so unloading while runs are in flight defers disposal to the end of the last run.
/// </summary>
internal sealed class SharedModel(SharedModelKey key, IModelInstance instance, long memoryBytes, Action<SharedModel>? disposed)
{
    private int _references = 1;
    private long _memoryBytes = memoryBytes;

    public SharedModelKey Key { get; } = key;

    public IModelInstance Instance { get; } = instance;

    /// <summary>What its load (and warm-up) was charged: what each lease that loads it is charged at load.</summary>
    public long LoadedBytes { get; } = memoryBytes;

    /// <summary>Memory it holds on the device: <see cref="LoadedBytes"/> plus working memory later runs grew (guarded by the catalog's lock).</summary>
    public long MemoryBytes => Volatile.Read(ref _memoryBytes);

    /// <summary>Working memory measured at runs larger than its warm-up; <see langword="null"/> when its charge is not measured.</summary>
    public WorkingMemory? Working { get; init; }

    /// <summary>True for a model of one lease only (in its worker process), kept out of the catalog.</summary>
    public bool IsPrivate { get; init; }

    /// <summary>Lease models using it (guarded by the catalog's lock).</summary>
    public int Users { get; set; } = 1;

    /// <summary>When it was last used, on the host's clock (guarded by the catalog's lock).</summary>
    public long LastUsed { get; set; }

    public bool IsDisposed => Volatile.Read(ref _references) <= 0;

    /// <summary>Adds working memory a run grew (called by the catalog under its lock).</summary>
    public void Grow(long bytes) => Interlocked.Add(ref _memoryBytes, bytes);

    /// <summary>Takes a reference unless the instance is already disposed.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Instance.Dispose();
            disposed?.Invoke(this);
        }
    }
}
