using System.Collections.Concurrent;
using GpuPool.Cluster.Leasing;
using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using GpuPool.Runtime.Leasing;
using GpuPool.Server.Auth;
using GpuPool.Server.Errors;
using GpuPool.Server.Sessions;
using Microsoft.Extensions.Options;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Leasing;

/// <summary>
/// The server's one way into the engine's lease table: acquire, renew, release, the ownership check every
/// call on a lease goes through, and the operator's view (inventory, listing, drain, revoke). Tenants see
/// only their own leases. It also registers the server's lease-end observers, once. When the server is a
/// node of a pool (<c>GpuPool:Cluster</c>), every one of these goes through <see cref="ClusterLeases"/>, whose
/// state of record is the pool's database; otherwise straight to the local <see cref="LeaseTable"/>.
/// </summary>
internal sealed class LeaseOperations
{
    private readonly ConcurrentDictionary<string, int> _waiting = new(StringComparer.Ordinal);
    private readonly LeaseTable _table;
    private readonly EndedLeases _ended;
    private readonly ServerInstance _instance;
    private readonly ClusterLeases? _cluster;
    private readonly int _maxWaiting;
    private readonly IDictionary<string, TenantOptions> _tenants;

    public LeaseOperations(LeaseTable table, EndedLeases ended, SessionRegistry sessions, ServerInstance instance, IOptions<GpuPoolServerOptions> options, ClusterLeases? cluster = null)
    {
        _table = table;
        _ended = ended;
        _instance = instance;
        _cluster = cluster;
        _maxWaiting = options.Value.MaxWaitingPerTenant;
        _tenants = options.Value.Tenants;
        table.AddEndObserver(ended);
        table.AddEndObserver(sessions);
        cluster?.AddEndObserver(ended);
        cluster?.AddEndObserver(sessions);
    }

    public string Instance => _instance.Id;

    /// <summary>Number of live leases.</summary>
    public int LeaseCount => _table.Count;

    /// <summary>The configured tenants (empty: the server is open to everyone as the anonymous tenant).</summary>
    public IEnumerable<KeyValuePair<string, TenantOptions>> Tenants => _tenants;

    /// <summary>Acquires of one tenant waiting for capacity on this server now.</summary>
    public int Waiting(string tenant) => _waiting.GetValueOrDefault(tenant);

    /// <summary>Grants a slice to the caller, waiting when asked to; null when not waiting and none is free.</summary>
    public async ValueTask<LeaseEntry?> AcquireAsync(CallerIdentity caller, V1.AcquireRequest request, CancellationToken cancellationToken)
    {
        var slice = WireFormat.FromWire(request.Slice ?? throw new InvalidPoolRequestException("The acquire request has no slice."));
        if (!request.Wait)
        {
            return _cluster is null ? _table.TryGrant(slice, caller.Tenant) : await _cluster.TryAcquireAsync(slice, caller.Tenant, cancellationToken).ConfigureAwait(false);
        }

        // One tenant must not fill the pool's whole wait queue.
        if (_waiting.AddOrUpdate(caller.Tenant, 1, static (_, n) => n + 1) > _maxWaiting)
        {
            Leave(caller.Tenant);
            throw new CapacityExceededException($"Tenant '{caller.Tenant}' already has {_maxWaiting} acquires waiting (GpuPoolServer:MaxWaitingPerTenant).", TimeSpan.FromSeconds(1));
        }

        try
        {
            return _cluster is null
                ? await _table.GrantAsync(slice, caller.Tenant, cancellationToken).ConfigureAwait(false)
                : await _cluster.AcquireAsync(slice, caller.Tenant, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Leave(caller.Tenant);
        }
    }

    private void Leave(string tenant) => _waiting.AddOrUpdate(tenant, 0, static (_, n) => n - 1);

    /// <summary>The caller's live lease: NOT_FOUND when unknown, PERMISSION_DENIED for another tenant's, FAILED_PRECONDITION when it ended.</summary>
    public LeaseEntry GetOwned(CallerIdentity caller, string leaseId, long fencingToken = 0) => Get(caller, leaseId, fencingToken, forServing: false);

    /// <summary>
    /// The caller's live lease for a model call, which only the node that owns the lease serves: in a pool, a
    /// lease owned by another node is FAILED_PRECONDITION with the owner's address in a trailer.
    /// </summary>
    public LeaseEntry GetServed(CallerIdentity caller, string leaseId) => Get(caller, leaseId, 0, forServing: true);

    private LeaseEntry Get(CallerIdentity caller, string leaseId, long fencingToken, bool forServing)
    {
        if (string.IsNullOrEmpty(leaseId) || leaseId.Length > 128)
        {
            throw new InvalidPoolRequestException("lease_id must be 1-128 characters.");
        }

        if (_cluster is null ? _table.TryGet(leaseId, out var lease) : (lease = _cluster.Find(leaseId, forServing)) is not null)
        {
            if (!string.Equals(lease.Tenant, caller.Tenant, StringComparison.Ordinal))
            {
                throw new PoolAccessDeniedException($"Lease {leaseId} belongs to another tenant.");
            }

            if (fencingToken != 0 && fencingToken != lease.FencingToken)
            {
                throw new ServerErrorException(new ServerError(Grpc.Core.StatusCode.FailedPrecondition, ErrorKinds.StaleFencingToken, $"Fencing token {fencingToken} is not lease {leaseId}'s current token."));
            }

            return lease;
        }

        if (_ended.TryGet(leaseId, out var tenant, out var reason))
        {
            if (!string.Equals(tenant, caller.Tenant, StringComparison.Ordinal))
            {
                throw new PoolAccessDeniedException($"Lease {leaseId} belongs to another tenant.");
            }

            throw new LeaseLostException(reason == LeaseLostReason.Released ? $"Lease {leaseId} was released." : $"Lease {leaseId} was lost: {reason}.", reason);
        }

        if (_table.WasDroppedAtRestore(leaseId, out var dropped))
        {
            // Journaled before a restart but not restored (expired while down, or its device is gone).
            throw new LeaseLostException($"Lease {leaseId} was not restored when the server restarted: {dropped}.", dropped);
        }

        throw new ServerErrorException(ServerError.NotFound(ErrorKinds.LeaseNotFound, $"Lease {leaseId} is not known to this server (instance {Instance})."));
    }

    /// <summary>Releases the caller's lease; false when it had already ended (idempotent). Completes synchronously without a cluster.</summary>
    public ValueTask<bool> ReleaseAsync(CallerIdentity caller, string leaseId, long fencingToken, CancellationToken cancellationToken = default)
    {
        LeaseEntry lease;
        try
        {
            lease = GetOwned(caller, leaseId, fencingToken);
        }
        catch (LeaseLostException)
        {
            return ValueTask.FromResult(false);
        }

        return ReleaseAsync(lease, cancellationToken);
    }

    /// <summary>Releases a lease the server holds for a caller; false when it had already ended. Completes synchronously without a cluster.</summary>
    public ValueTask<bool> ReleaseAsync(LeaseEntry lease, CancellationToken cancellationToken = default) =>
        _cluster?.EndAsync(lease, LeaseLostReason.Released, cancellationToken) ?? ValueTask.FromResult(_table.Release(lease));

    /// <summary>Extends a lease by its time-to-live (or <paramref name="timeToLive"/>) from now. Completes synchronously without a cluster.</summary>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    public ValueTask RenewAsync(LeaseEntry lease, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        if (_cluster is not null)
        {
            return _cluster.RenewAsync(lease, timeToLive, cancellationToken);
        }

        _table.Renew(lease, timeToLive);
        return ValueTask.CompletedTask;
    }

    /// <summary>Every live lease, or one tenant's (of the whole pool, in a pool).</summary>
    public IReadOnlyList<LeaseEntry> List(string? tenant) => _cluster?.List(tenant) ?? _table.List(tenant);

    /// <summary>Every device and what is allocated on it (of the whole pool, in a pool).</summary>
    public PoolInventory GetInventory() => _cluster?.GetInventory() ?? _table.GetInventory();

    /// <summary>Stops (or resumes) new leases on a device; false for an unknown device.</summary>
    public bool SetDraining(string node, string deviceId, bool draining) => _cluster?.SetDraining(node, deviceId, draining) ?? _table.SetDraining(node, deviceId, draining);

    /// <summary>Takes any tenant's lease back (operator); null when no live lease has the id, else whether this call ended it.</summary>
    public ValueTask<bool?> RevokeAsync(string leaseId, CancellationToken cancellationToken = default) =>
        _cluster?.RevokeAsync(leaseId, cancellationToken) ?? ValueTask.FromResult(_table.TryGet(leaseId, out var lease) ? _table.Revoke(lease) : (bool?)null);

    /// <summary>The wire form of a lease, with the time it has left on the server's clock.</summary>
    public V1.Lease ToWire(LeaseEntry lease)
    {
        var now = _table.TimeProvider.GetUtcNow();
        var wire = WireFormat.ToWire(lease.ToInfo(), lease.ExpiresAt - now, lease.TimeToLive, Instance);
        if (_cluster?.OwnerAddress(lease) is { } owner)
        {
            wire.OwnerAddress = owner;
        }

        return wire;
    }

    /// <summary>The time a lease has left.</summary>
    public V1.LeaseTtl ToTtl(LeaseEntry lease) => new()
    {
        LeaseId = lease.Id,
        TtlRemainingMs = Math.Max(0, (long)(lease.ExpiresAt - _table.TimeProvider.GetUtcNow()).TotalMilliseconds),
        ExpiresAtUnixMs = WireFormat.ToUnixMs(lease.ExpiresAt),
    };
}
