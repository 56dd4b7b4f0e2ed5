using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using GpuPool.Cluster.Diagnostics;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// This server's side of the pool's leases: a lease this node owns lives in its local <see cref="LeaseTable"/>
/// (so that the model host and scheduler serve it as before); a lease it granted on another node is a handle,
/// told when the database says the lease ended. Kept in line with the database by <see cref="SynchronizeAsync"/>.
/// </summary>
internal sealed class NodeLeases
{
    private readonly ConcurrentDictionary<string, LeaseEntry> _handles = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<LeaseEntry, string> _owners = [];
    private readonly ClusterLeaseStore _store;
    private readonly ClusterNode _node;
    private readonly LeaseTable _table;
    private readonly LeaseEndObservers _observers;
    private readonly ILogger _logger;

    public NodeLeases(ClusterLeaseStore store, ClusterNode node, LeaseTable table, ILogger<NodeLeases> logger)
    {
        _store = store;
        _node = node;
        _table = table;
        _logger = logger;
        _observers = new LeaseEndObservers(logger);
    }

    /// <summary>This node's id.</summary>
    public string NodeId => _node.Registration.NodeId;

    /// <summary>The address of the node that serves the lease (this one for its own leases).</summary>
    public string OwnerAddress(LeaseEntry lease) => _owners.TryGetValue(lease, out var address) ? address : _node.Registration.Address;

    /// <summary>Adds lease-end work for the handles of leases owned elsewhere (the holder's session, the ended-lease record).</summary>
    public void AddEndObserver(ILeaseEndObserver observer) => _observers.Add(observer);

    /// <summary>This node's own lease with the id, if its table holds it.</summary>
    public bool TryGetLocal(string leaseId, out LeaseEntry lease) => _table.TryGet(leaseId, out lease!);

    /// <summary>The handle of a lease this server granted on another node, if it holds one.</summary>
    public bool TryGetHandle(string leaseId, out LeaseEntry lease) => _handles.TryGetValue(leaseId, out lease!);

    /// <summary>The entry a granted row becomes here: adopted when this node owns it, a handle otherwise; null when it cannot be placed here.</summary>
    public async Task<LeaseEntry?> MaterializeAsync(ClusterLease lease, DateTimeOffset expiresAt, IReadOnlyList<PoolDevice> pool, CancellationToken cancellationToken)
    {
        if (lease.NodeId != NodeId)
        {
            return Handle(lease, expiresAt, pool);
        }

        if (Adopt(lease, expiresAt) is { } adopted)
        {
            return adopted;
        }

        // The local table still holds a lease that ended elsewhere: catch up, then place it.
        await SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        if (Adopt(lease, expiresAt) is { } retried)
        {
            return retried;
        }

        await _store.EndAsync(lease.LeaseId, LeaseLostReason.Revoked, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Brings the local table in line with the database: adopts leases granted to this node elsewhere, takes
    /// renewals made elsewhere, ends what ended elsewhere; and ends the handles whose leases ended.
    /// </summary>
    public async Task SynchronizeAsync(CancellationToken cancellationToken)
    {
        var registration = _node.Registration;
        var owned = await _store.ListOwnedAsync(registration, cancellationToken).ConfigureAwait(false);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in owned)
        {
            live.Add(row.LeaseId);
            if (_table.TryGet(row.LeaseId, out var local))
            {
                _table.Refresh(local, row.ExpiresAt);
            }
            else
            {
                Adopt(row, row.ExpiresAt);
            }
        }

        var gone = _table.List().Where(l => !live.Contains(l.Id)).Select(l => l.Id)
            .Concat(_handles.Keys).ToList();
        if (gone.Count == 0)
        {
            return;
        }

        var rows = (await _store.GetAsync(gone, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.LeaseId, StringComparer.Ordinal);
        foreach (var id in gone.Distinct(StringComparer.Ordinal))
        {
            // No row: ended and deleted after the retention while this node could not read the pool.
            var row = rows.GetValueOrDefault(id);
            if (row is { IsLive: true })
            {
                continue; // a handle still live, or a lease granted after the read above
            }

            if (_table.TryGet(id, out var local))
            {
                EndHere(local, ReasonOf(row));
            }
            else if (_handles.TryGetValue(id, out var handle))
            {
                EndHere(handle, ReasonOf(row));
            }
        }
    }

    /// <summary>Ends every lease of this node here (its epoch is no longer current: the pool has ended them).</summary>
    public int EndAllHere(LeaseLostReason reason)
    {
        var leases = _table.List();
        foreach (var lease in leases)
        {
            _table.Revoke(lease, reason);
        }

        return leases.Count;
    }

    /// <summary>Ends the lease here (the database has ended it); false when it had already ended here.</summary>
    public bool EndHere(LeaseEntry lease, LeaseLostReason reason)
    {
        if (_table.TryGet(lease.Id, out var local) && ReferenceEquals(local, lease))
        {
            return reason == LeaseLostReason.Released ? _table.Release(lease) : _table.Revoke(lease, reason);
        }

        if (!_handles.TryRemove(new KeyValuePair<string, LeaseEntry>(lease.Id, lease)) || !lease.IsActive)
        {
            return false;
        }

        lease.State = reason == LeaseLostReason.Released ? LeaseState.Released : LeaseState.Lost;
        lease.LostReason = reason;
        if (lease.State == LeaseState.Lost)
        {
            lease.SignalLost();
        }

        _observers.Notify(lease);
        return true;
    }

    /// <summary>Ends the copies here of leases released through any server (their rows have ended).</summary>
    public void EndReleased(IEnumerable<string> leaseIds)
    {
        ArgumentNullException.ThrowIfNull(leaseIds);
        foreach (var leaseId in leaseIds)
        {
            if (_table.TryGet(leaseId, out var lease) || _handles.TryGetValue(leaseId, out lease))
            {
                EndHere(lease, LeaseLostReason.Released);
            }
        }
    }

    /// <summary>Takes the database's expiry for a lease renewed through this server.</summary>
    public void Renewed(LeaseEntry lease, DateTimeOffset expiresAt)
    {
        if (_table.TryGet(lease.Id, out var local) && ReferenceEquals(local, lease))
        {
            _table.Refresh(lease, expiresAt);
        }
        else
        {
            lease.ExpiresAt = expiresAt;
        }
    }

    /// <summary>This node's own lease, adopted into its table; null when its devices cannot take it.</summary>
    public LeaseEntry? Adopt(ClusterLease row, DateTimeOffset expiresAt)
    {
        var record = new JournaledLease
        {
            Id = row.LeaseId,
            Tenant = row.Tenant,
            Request = row.ToRequest(),
            FencingToken = row.FencingToken,
            Node = row.NodeId, // the table has one node: its devices are found by id whatever the node is named
            DeviceIds = row.DeviceIds,
            MemoryBytes = row.MemoryBytes,
            Milli = row.Milli,
            CpuMilli = row.CpuMilli,
            HostMemoryBytes = row.HostMemoryBytes,
            GrantedAt = row.GrantedAt,
            TimeToLive = row.TimeToLive,
            ExpiresAt = expiresAt,
        };
        var entry = _table.Adopt(record, out var reason);
        if (entry is null)
        {
            ClusterLog.LeaseNotAdopted(_logger, row.NodeId, row.LeaseId, reason ?? string.Join(", ", row.DeviceIds));
        }
        else
        {
            ClusterLog.LeaseAdopted(_logger, row.NodeId, row.LeaseId, row.FencingToken);
        }

        return entry;
    }

    /// <summary>The handle of a lease owned by another node.</summary>
    public LeaseEntry Handle(ClusterLease row, DateTimeOffset expiresAt, IReadOnlyList<PoolDevice> pool)
    {
        var entry = View(row, pool);
        entry.ExpiresAt = expiresAt;
        return _handles.GetOrAdd(row.LeaseId, entry);
    }

    /// <summary>A lease as seen from here without holding it (listing).</summary>
    public LeaseEntry View(ClusterLease row) => View(row, []);

    /// <summary>Why a row that is no longer live ended.</summary>
    public LeaseLostReason ReasonOf(ClusterLease? row) => row switch
    {
        null => LeaseLostReason.Revoked,
        { EndReason: not LeaseLostReason.None } => row.EndReason,
        _ when row.ExpiresAt <= _node.Time.GetUtcNow() => LeaseLostReason.Expired,
        _ => LeaseLostReason.NodeLost, // not ended, yet not live: its node is no longer alive in the lease's epoch
    };

    private LeaseEntry View(ClusterLease row, IReadOnlyList<PoolDevice> pool)
    {
        var descriptors = row.DeviceIds.Select(id =>
            pool.FirstOrDefault(d => d.NodeId == row.NodeId && d.Descriptor.Id == id)?.Descriptor
            ?? new DeviceDescriptor { Id = id, Node = row.NodeId, Kind = DeviceKind.Gpu, Vendor = DeviceVendor.Unknown, Model = "remote", TotalMemoryBytes = row.MemoryBytes }).ToArray();

        // Another node's devices: no index in this node's allocator.
        var allocation = new Allocation { Node = -1, Devices = [], Descriptors = descriptors, MemoryBytes = row.MemoryBytes, Milli = row.Milli };
        var view = new LeaseEntry(row.LeaseId, row.Tenant, row.ToRequest(), allocation, row.GrantedAt, row.TimeToLive, row.FencingToken) { ExpiresAt = row.ExpiresAt };
        _owners.AddOrUpdate(view, row.NodeAddress.Length > 0 ? row.NodeAddress : AddressOf(row.NodeId, pool));
        return view;
    }

    private static string AddressOf(string node, IReadOnlyList<PoolDevice> pool) =>
        pool.FirstOrDefault(d => d.NodeId == node)?.NodeAddress ?? "";
}
