namespace GpuPool.Runtime.Leasing;

public sealed partial class LeaseTable
{
    private readonly Dictionary<string, LeaseLostReason> _droppedAtRestore = new(StringComparer.Ordinal);

    /// <summary>
    /// Finds the live lease a caller acts on, checking the fencing token the caller was granted. Returns
    /// <see langword="null"/> when no live lease has the id (see <see cref="WasDroppedAtRestore"/> for leases a
    /// restart could not keep). Tokens only grow, across restarts too, so a caller holding an older grant
    /// cannot act on the slice under a newer one.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease is live under a different fencing token: the caller's grant is stale.</exception>
    public LeaseEntry? FindFenced(string leaseId, long fencingToken)
    {
        ArgumentNullException.ThrowIfNull(leaseId);
        LeaseEntry? lease;
        lock (_lock)
        {
            if (!_leases.TryGetValue(leaseId, out lease))
            {
                return null;
            }
        }

        if (lease.FencingToken != fencingToken)
        {
            throw new LeaseLostException(
                $"Lease {leaseId} is held under fencing token {lease.FencingToken}; token {fencingToken} is stale.",
                LeaseLostReason.Revoked);
        }

        return lease;
    }

    /// <summary>
    /// Whether the journal recorded the lease as live but the restart could not keep it (it expired while the
    /// pool was down, its device left the inventory, or its slice was held by a newer grant), and why.
    /// </summary>
    public bool WasDroppedAtRestore(string leaseId, out LeaseLostReason reason)
    {
        ArgumentNullException.ThrowIfNull(leaseId);
        lock (_lock)
        {
            return _droppedAtRestore.TryGetValue(leaseId, out reason);
        }
    }
}
