using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Runtime;
using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.Options;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// The server's leases when it is a node of a pool: grants placed over the whole pool and committed in the
/// database (<see cref="ClusterAcquirer"/>), renewals and ends recorded there first, then here
/// (<see cref="NodeLeases"/>: this node's own leases in its table, handles of those it granted elsewhere).
/// </summary>
internal sealed class ClusterLeases(ClusterAcquirer acquirer, NodeLeases leases, ClusterLeaseStore store, ClusterNode node, IOptions<GpuPoolRuntimeOptions> runtime)
{
    // Ends of the moment go to the database together (group commit), each told whether it ended the lease.
    private readonly GroupCommit<(string LeaseId, LeaseLostReason Reason), bool> _ends = new(ends => store.EndManyAsync(ends), maxBatch: 256);
    private readonly LeaseTableSettings _settings = LeaseTableSettings.From(runtime.Value);

    /// <summary>How many grants were placed again because another server took the capacity first.</summary>
    public long ConflictRetries => acquirer.ConflictRetries;

    /// <summary>How many calls carried this server's batched grants (grants per call = group commit's effect).</summary>
    public long GrantCalls => acquirer.GrantCalls;

    /// <summary>This node's id.</summary>
    public string NodeId => leases.NodeId;

    /// <summary>The address of the node that serves the lease (this one for its own leases).</summary>
    public string OwnerAddress(LeaseEntry lease) => leases.OwnerAddress(lease);

    /// <summary>Adds lease-end work for the handles of leases owned elsewhere (the holder's session, the ended-lease record).</summary>
    public void AddEndObserver(ILeaseEndObserver observer) => leases.AddEndObserver(observer);

    /// <summary>Grants a slice now, or returns <see langword="null"/> when nothing in the pool fits.</summary>
    public ValueTask<LeaseEntry?> TryAcquireAsync(SliceRequest request, string tenant, CancellationToken cancellationToken = default) =>
        acquirer.TryAcquireAsync(request, tenant, cancellationToken);

    /// <summary>Grants a slice, waiting in the pool's queue (served by priority, then arrival, pool-wide) up to the request's wait timeout.</summary>
    public ValueTask<LeaseEntry> AcquireAsync(SliceRequest request, string tenant, CancellationToken cancellationToken = default) =>
        acquirer.AcquireAsync(request, tenant, cancellationToken);

    /// <summary>The lease a call on this server acts on: owned here (adopted on demand), a handle, or the reason it is not here.</summary>
    /// <exception cref="LeaseElsewhereException">The lease is live and owned by another node.</exception>
    public LeaseEntry? Find(string leaseId, bool forServing)
    {
        if (leases.TryGetLocal(leaseId, out var local))
        {
            return !forServing || node.IsConfirmed
                ? local
                : throw new PoolUnavailableException($"This node cannot confirm lease {leaseId} with the pool's database; it serves it again once it can.", node.Options.RetryAfter);
        }

        if (!forServing && leases.TryGetHandle(leaseId, out var handle))
        {
            return handle;
        }

        var row = Database(() => store.Get(leaseId));
        if (row is null)
        {
            return null;
        }

        if (!row.IsLive)
        {
            var reason = leases.ReasonOf(row);
            throw new LeaseLostException($"Lease {leaseId} has ended: {reason}.", reason);
        }

        if (row.NodeId == NodeId && row.NodeEpoch == node.Registration.Epoch)
        {
            return leases.Adopt(row, row.ExpiresAt) ?? throw new PoolUnavailableException($"Lease {leaseId} cannot be placed on this node's devices yet.", node.Options.RetryAfter);
        }

        return forServing ? throw new LeaseElsewhereException(leaseId, row.NodeId, row.NodeAddress) : leases.Handle(row, row.ExpiresAt, []);
    }

    /// <summary>Extends a lease in the database, then here.</summary>
    public async ValueTask RenewAsync(LeaseEntry lease, TimeSpan? timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lease.EnsureActive();
        var ttl = timeToLive ?? lease.TimeToLive;
        if (ttl <= TimeSpan.Zero || ttl > _settings.MaxTimeToLive)
        {
            throw new InvalidPoolRequestException($"TimeToLive must be positive and at most {_settings.MaxTimeToLive}; got {ttl}.");
        }

        var sent = node.Time.GetUtcNow();
        var renewed = await DatabaseAsync(() => store.RenewAsync(lease.Id, ttl, cancellationToken)).ConfigureAwait(false);
        if (renewed is null)
        {
            var rows = await store.GetAsync([lease.Id], cancellationToken).ConfigureAwait(false);
            var reason = leases.ReasonOf(rows.Count > 0 ? rows[0] : null);
            leases.EndHere(lease, reason);
            throw new LeaseLostException($"Lease {lease.Id} has ended: {reason}.", reason);
        }

        // The database's expiry counts from its now, which is after `sent`: the local one is never later.
        lease.TimeToLive = ttl;
        leases.Renewed(lease, sent + ttl);
    }

    /// <summary>Ends a lease in the database, then here; false when it had already ended.</summary>
    public async ValueTask<bool> EndAsync(LeaseEntry lease, LeaseLostReason reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var ended = await DatabaseAsync(() => _ends.SubmitAsync((lease.Id, reason))).ConfigureAwait(false);

        // The database decides whether this call ended it; here, the sync loop may have ended it first on the notification.
        leases.EndHere(lease, reason);
        return ended;
    }

    /// <summary>Takes any tenant's lease back (operator); null when no live lease has the id.</summary>
    public async ValueTask<bool?> RevokeAsync(string leaseId, CancellationToken cancellationToken = default)
    {
        var lease = Find(leaseId, forServing: false);
        return lease is null ? null : await EndAsync(lease, LeaseLostReason.Revoked, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every live lease of the pool, or one tenant's.</summary>
    public IReadOnlyList<LeaseEntry> List(string? tenant) =>
        [.. Database(() => store.ListLive(tenant)).Select(row => leases.TryGetLocal(row.LeaseId, out var local) ? local : leases.View(row))];

    /// <summary>Every device of every live node and what is allocated on it.</summary>
    public PoolInventory GetInventory()
    {
        var devices = Database(store.ReadPool).Select(d => new DeviceStatus
        {
            Device = d.Descriptor,
            AllocatedMemoryBytes = d.UsedMemoryBytes,
            AllocatedMilli = d.UsedMilli,
            ActiveLeases = d.Leases,
            Draining = d.Draining,
        }).ToList();
        return new PoolInventory { Devices = devices, TakenAt = node.Time.GetUtcNow() };
    }

    /// <summary>Stops (or resumes) new grants on a device of any node; false for an unknown device.</summary>
    public bool SetDraining(string nodeId, string deviceId, bool draining) => Database(() => store.SetDraining(nodeId, deviceId, draining));

    /// <inheritdoc cref="NodeLeases.SynchronizeAsync"/>
    public Task SynchronizeAsync(CancellationToken cancellationToken) => leases.SynchronizeAsync(cancellationToken);

    /// <inheritdoc cref="NodeLeases.EndAllHere"/>
    public int EndAllHere(LeaseLostReason reason) => leases.EndAllHere(reason);

    private T Database<T>(Func<T> call) => DatabaseFailures.Guard(call, node.Options.RetryAfter);

    private Task<T> DatabaseAsync<T>(Func<Task<T>> call) => DatabaseFailures.GuardAsync(call, node.Options.RetryAfter);
}
