using System.Collections.Concurrent;
using GpuPool.Runtime.Leasing;

namespace GpuPool.Server.Sessions;

/// <summary>Which session stream holds which lease, so that a lease the pool takes back is reported to its holder at once.</summary>
internal sealed class SessionRegistry : ILeaseEndObserver
{
    private readonly ConcurrentDictionary<string, LeaseSession> _byLease = new(StringComparer.Ordinal);

    /// <summary>Last: the holder hears of the end once every resource of the lease is gone.</summary>
    public LeaseEndStage Stage => LeaseEndStage.Holders;

    public int Count => _byLease.Count;

    public void Attach(string leaseId, LeaseSession session) => _byLease[leaseId] = session;

    public void Detach(string leaseId, LeaseSession session) =>
        _byLease.TryRemove(new KeyValuePair<string, LeaseSession>(leaseId, session));

    public void OnLeaseEnded(LeaseEntry lease)
    {
        if (_byLease.TryRemove(lease.Id, out var session))
        {
            session.OnLeaseEnded(lease);
        }
    }
}
