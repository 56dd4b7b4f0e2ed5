namespace GpuPool.Runtime.Leasing;

/// <summary>
/// Durable record of the lease table. Every change is written before it takes effect; a write that
/// fails makes the table refuse the change (a grant is never handed out unrecorded).
/// </summary>
public interface ILeaseJournal
{
    /// <summary>Records a new lease.</summary>
    void Granted(LeaseEntry lease);

    /// <summary>Records a renewal (the new expiry).</summary>
    void Renewed(LeaseEntry lease);

    /// <summary>Records that a lease ended.</summary>
    void Ended(LeaseEntry lease);
}
