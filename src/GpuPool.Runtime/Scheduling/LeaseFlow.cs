using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Scheduling;

/// <summary>
/// One lease's state on one device's scheduler: its waiting runs, its share bucket (device time it is
/// owed at its share, in seconds) and its virtual time (execution time divided by weight).
/// </summary>
internal sealed class LeaseFlow(LeaseEntry lease, long now)
{
    public LeaseEntry Lease { get; } = lease;

    public string Id => Lease.Id;

    /// <summary>The share in milli-units (at least 1).</summary>
    public int Weight { get; } = Math.Max(1, lease.Allocation.Milli);

    public LeasePriority Priority { get; } = lease.Request.Priority;

    public bool HardCap { get; } = lease.Request.HardCap;

    public LinkedList<PendingRun> Queue { get; } = new();

    public int Running { get; set; }

    /// <summary>Device time (seconds) the lease is owed at its share: positive = under its share, negative = borrowed.</summary>
    public double Tokens { get; set; }

    public long LastAccrued { get; set; } = now;

    /// <summary>Execution time per unit of weight; the least-served backlogged lease has the smallest.</summary>
    public double VirtualTime { get; set; }

    /// <summary>The expected execution time of its next run, in seconds (moving average).</summary>
    public double EstimateSeconds { get; set; } = 0.001;

    public TimeSpan Executed { get; set; }

    public long Runs { get; set; }

    public bool IsBacklogged => Queue.Count > 0 || Running > 0;

    public LeaseUsage ToUsage() => new(Id, Executed, Runs, Queue.Count);
}
