namespace GpuPool;

/// <summary>Where a lease's models execute.</summary>
public enum LeaseIsolation
{
    /// <summary>In the pool's own process, sharing it with other leases (fastest).</summary>
    Shared = 0,

    /// <summary>In a worker process of its own, so that a crash affects only this lease.</summary>
    Process = 1,
}
