using System.Collections.Concurrent;
using GpuPool.Runtime.Leasing;

namespace GpuPool.Server.Sessions;

/// <summary>Which session stream holds which lease, so that a lease the pool takes back is reported to its holder at once.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, LeaseSession> _byLease = new(StringComparer.Ordinal);

    public SessionRegistry(LeaseTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.LeaseEnded += OnLeaseEnded;
    }

    public int Count => _byLease.Count;

    public void Attach(string leaseId, LeaseSession session) => _byLease[leaseId] = session;

    public void Detach(string leaseId, LeaseSession session) =>
        _byLease.TryRemove(new KeyValuePair<string, LeaseSession>(leaseId, session));

    private void OnLeaseEnded(LeaseEntry lease)
    {
        if (_byLease.TryRemove(lease.Id, out var session))
        {
            session.OnLeaseEnded(lease);
        }
    }
}
