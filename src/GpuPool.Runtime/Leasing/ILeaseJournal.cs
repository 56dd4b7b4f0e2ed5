namespace GpuPool.Runtime.Leasing;

/// <summary>
/// Durable record of the lease table. Every change is written before it takes effect; a write that
/// fails makes the table refuse the change (a grant is never handed out unrecorded).
/// </summary>
internal interface ILeaseJournal
{
    /// <summary>Records a new lease.</summary>
    void Granted(LeaseEntry lease);

    /// <summary>Records a renewal (the new expiry).</summary>
    void Renewed(LeaseEntry lease);

    /// <summary>Records that a lease ended.</summary>
    void Ended(LeaseEntry lease);

    /// <summary>Records that a device was set draining (no new leases) or open again, so that a restart keeps it so.</summary>
    void DrainingChanged(DrainedDevice device, bool draining)
    {
    }

    /// <summary>
    /// Reads what the journal holds; the lease table calls it once, from its constructor, before it grants
    /// anything. A journal that cannot be read must also refuse every later write, so that nothing is
    /// granted on top of leases it could not restore.
    /// </summary>
    JournalSnapshot Load() => JournalSnapshot.Empty;
}
