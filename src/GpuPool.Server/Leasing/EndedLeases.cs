using System.Collections.Concurrent;
using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Leasing;

/// <summary>
/// Remembers recently ended leases (bounded), so that a holder asking about one learns that it ended and
/// why (FAILED_PRECONDITION) instead of a bare NOT_FOUND.
/// </summary>
internal sealed class EndedLeases(IOptions<GpuPoolServerOptions> options) : ILeaseEndObserver
{
    private readonly ConcurrentDictionary<string, (string Tenant, LeaseLostReason Reason)> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly int _capacity = options.Value.EndedLeaseMemory;

    /// <summary>Before the holder's session is told, so that asking about the lease then says why it ended.</summary>
    public LeaseEndStage Stage => LeaseEndStage.EndedLeaseRecords;

    public bool TryGet(string leaseId, out string tenant, out LeaseLostReason reason)
    {
        if (_ended.TryGetValue(leaseId, out var entry))
        {
            (tenant, reason) = entry;
            return true;
        }

        tenant = "";
        reason = LeaseLostReason.None;
        return false;
    }

    public void OnLeaseEnded(LeaseEntry lease)
    {
        if (_capacity == 0)
        {
            return;
        }

        var reason = lease.State == LeaseState.Released ? LeaseLostReason.Released : lease.LostReason;
        if (_ended.TryAdd(lease.Id, (lease.Tenant, reason)))
        {
            _order.Enqueue(lease.Id);
            while (_order.Count > _capacity && _order.TryDequeue(out var oldest))
            {
                _ended.TryRemove(oldest, out _);
            }
        }
    }
}
