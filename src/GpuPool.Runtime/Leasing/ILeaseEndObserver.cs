namespace GpuPool.Runtime.Leasing;

/// <summary>
/// Work to do when a lease ends (released, expired, revoked). Registered once with
/// <see cref="LeaseTable.AddEndObserver"/>; the table calls observers in <see cref="Stage"/> order, outside
/// its lock, after the lease's capacity is back in the books.
/// </summary>
internal interface ILeaseEndObserver
{
    /// <summary>Where in the lease-end sequence this observer runs.</summary>
    LeaseEndStage Stage { get; }

    /// <summary>Called once per ended lease. An exception is logged and does not stop later observers.</summary>
    void OnLeaseEnded(LeaseEntry lease);
}
