using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using GpuPool.Cluster.Diagnostics;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Runtime;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// The server's leases when it is a node of a pool: grants placed over the whole pool and committed in the
/// database, renewals and ends recorded there first. A lease this node owns lives in its local
/// <see cref="LeaseTable"/> (so the model host and scheduler serve it as before); a lease it granted on
/// another node is a handle here, told when the database says the lease ended.
/// </summary>
internal sealed class ClusterLeases
{
    private readonly ConcurrentDictionary<string, LeaseEntry> _handles = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<LeaseEntry, string> _owners = [];
    private readonly ClusterLeaseStore _store;
    private readonly LeaseGrants _grants;
    private readonly ClusterPlacer _placer;
    private readonly ClusterNode _node;
    private readonly LeaseTable _table;
    private readonly CapacitySignal _capacity;
    private readonly LeaseTableSettings _settings;
    private readonly LeaseEndObservers _observers;
    private readonly ResiliencePipeline _conflicts;
    private readonly ILogger _logger;
    private long _retries;

    public ClusterLeases(ClusterLeaseStore store, LeaseGrants grants, ClusterPlacer placer, ClusterNode node, LeaseTable table, CapacitySignal capacity, IOptions<GpuPoolRuntimeOptions> runtime, ILogger<ClusterLeases> logger)
    {
        _store = store;
        _grants = grants;
        _placer = placer;
        _node = node;
        _table = table;
        _capacity = capacity;
        _settings = LeaseTableSettings.From(runtime.Value);
        _logger = logger;
        _observers = new LeaseEndObservers(logger);
        _conflicts = new ResiliencePipelineBuilder { TimeProvider = node.Time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<GrantConflictException>().Handle<Exception>(DatabaseFailures.IsConflict),
                MaxRetryAttempts = 8,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(1),
                UseJitter = true,
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _retries);
                    ClusterLog.GrantConflict(_logger, args.Outcome.Exception?.Message ?? "", args.AttemptNumber + 1);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>How many grants were placed again because another server took the capacity first.</summary>
    public long ConflictRetries => Interlocked.Read(ref _retries);

    /// <summary>This node's id.</summary>
    public string NodeId => _node.Registration.NodeId;

    /// <summary>The address of the node that serves the lease (this one for its own leases).</summary>
    public string OwnerAddress(LeaseEntry lease) => _owners.TryGetValue(lease, out var address) ? address : _node.Registration.Address;

    /// <summary>Adds lease-end work for the handles of leases owned elsewhere (the holder's session, the ended-lease record).</summary>
    public void AddEndObserver(ILeaseEndObserver observer) => _observers.Add(observer);

    /// <summary>Grants a slice now, or returns <see langword="null"/> when nothing in the pool fits.</summary>
    public async ValueTask<LeaseEntry?> TryAcquireAsync(SliceRequest request, string tenant, CancellationToken cancellationToken = default)
    {
        var placement = Validate(request);
        try
        {
            return await _conflicts.ExecuteAsync(async token => await AttemptAsync(request, placement, tenant, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GrantConflictException || DatabaseFailures.IsConflict(ex))
        {
            return null; // the pool is that busy: as good as full for now
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            ClusterLog.GrantUnavailable(_logger, ex);
            throw DatabaseFailures.Unavailable(ex, _node.Options.RetryAfter);
        }
    }

    /// <summary>Grants a slice, waiting (woken whenever capacity frees anywhere in the pool) up to the request's wait timeout.</summary>
    public async ValueTask<LeaseEntry> AcquireAsync(SliceRequest request, string tenant, CancellationToken cancellationToken = default)
    {
        var timeout = request.WaitTimeout ?? TimeSpan.FromMinutes(1);
        var deadline = _node.Time.GetUtcNow() + timeout;
        while (true)
        {
            var woken = _capacity.Next;
            if (await TryAcquireAsync(request, tenant, cancellationToken).ConfigureAwait(false) is { } lease)
            {
                return lease;
            }

            var left = deadline - _node.Time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                throw new LeaseTimeoutException($"No slice in the pool freed up within {timeout}.");
            }

            // A notification wakes it at once; the heartbeat interval bounds a missed one.
            var poll = left < _node.Options.HeartbeatInterval ? left : _node.Options.HeartbeatInterval;
            await Task.WhenAny(woken, Task.Delay(poll, _node.Time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The lease a call on this server acts on: owned here (adopted on demand), a handle, or the reason it is not here.</summary>
    /// <exception cref="LeaseElsewhereException">The lease is live and owned by another node.</exception>
    public LeaseEntry? Find(string leaseId, bool forServing)
    {
        if (_table.TryGet(leaseId, out var local))
        {
            return !forServing || _node.IsConfirmed
                ? local
                : throw new PoolUnavailableException($"This node cannot confirm lease {leaseId} with the pool's database; it serves it again once it can.", _node.Options.RetryAfter);
        }

        if (!forServing && _handles.TryGetValue(leaseId, out var handle))
        {
            return handle;
        }

        ClusterLease? row;
        try
        {
            row = _store.Get(leaseId);
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            throw DatabaseFailures.Unavailable(ex, _node.Options.RetryAfter);
        }

        if (row is null)
        {
            return null;
        }

        if (!row.IsLive)
        {
            throw new LeaseLostException($"Lease {leaseId} has ended: {ReasonOf(row)}.", ReasonOf(row));
        }

        if (row.NodeId == NodeId && row.NodeEpoch == _node.Registration.Epoch)
        {
            return Adopt(row, row.ExpiresAt) ?? throw new PoolUnavailableException($"Lease {leaseId} cannot be placed on this node's devices yet.", _node.Options.RetryAfter);
        }

        return forServing ? throw new LeaseElsewhereException(leaseId, row.NodeId, row.NodeAddress) : Handle(row, row.ExpiresAt, []);
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

        var sent = _node.Time.GetUtcNow();
        DateTimeOffset? renewed;
        try
        {
            renewed = await _store.RenewAsync(lease.Id, ttl, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            throw DatabaseFailures.Unavailable(ex, _node.Options.RetryAfter);
        }

        if (renewed is null)
        {
            var rows = await _store.GetAsync([lease.Id], cancellationToken).ConfigureAwait(false);
            var reason = ReasonOf(rows.Count > 0 ? rows[0] : null);
            EndHere(lease, reason);
            throw new LeaseLostException($"Lease {lease.Id} has ended: {reason}.", reason);
        }

        // The database's expiry counts from its now, which is after `sent`: the local one is never later.
        lease.TimeToLive = ttl;
        if (_table.TryGet(lease.Id, out var local) && ReferenceEquals(local, lease))
        {
            _table.Refresh(lease, sent + ttl);
        }
        else
        {
            lease.ExpiresAt = sent + ttl;
        }
    }

    /// <summary>Ends a lease in the database, then here; false when it had already ended.</summary>
    public async ValueTask<bool> EndAsync(LeaseEntry lease, LeaseLostReason reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        bool ended;
        try
        {
            ended = await _store.EndAsync(lease.Id, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            throw DatabaseFailures.Unavailable(ex, _node.Options.RetryAfter);
        }

        // The database decides whether this call ended it; here, the sync loop may have ended it first on the notification.
        EndHere(lease, reason);
        return ended;
    }

    /// <summary>Takes any tenant's lease back (operator); null when no live lease has the id.</summary>
    public async ValueTask<bool?> RevokeAsync(string leaseId, CancellationToken cancellationToken = default)
    {
        var lease = Find(leaseId, forServing: false);
        return lease is null ? null : await EndAsync(lease, LeaseLostReason.Revoked, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every live lease of the pool, or one tenant's.</summary>
    public IReadOnlyList<LeaseEntry> List(string? tenant)
    {
        try
        {
            return [.. _store.ListLive(tenant).Select(row => _table.TryGet(row.LeaseId, out var local) ? local : View(row))];
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            throw DatabaseFailures.Unavailable(ex, _node.Options.RetryAfter);
        }
    }

    /// <summary>Every device of every live node and what is allocated on it.</summary>
    public PoolInventory GetInventory()
    {
        try
        {
            var devices = _store.ReadPool().Select(d => new DeviceStatus
            {
                Device = d.Descriptor,
                AllocatedMemoryBytes = d.UsedMemoryBytes,
                AllocatedMilli = d.UsedMilli,
                ActiveLeases = d.Leases,
                Draining = d.Draining,
            }).ToList();
            return new PoolInventory { Devices = devices, TakenAt = _node.Time.GetUtcNow() };
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            throw DatabaseFailures.Unavailable(ex, _node.Options.RetryAfter);
        }
    }

    /// <summary>Stops (or resumes) new grants on a device of any node; false for an unknown device.</summary>
    public bool SetDraining(string node, string deviceId, bool draining)
    {
        try
        {
            return _store.SetDraining(node, deviceId, draining);
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            throw DatabaseFailures.Unavailable(ex, _node.Options.RetryAfter);
        }
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

        foreach (var row in await _store.GetAsync(gone, cancellationToken).ConfigureAwait(false))
        {
            if (row.IsLive)
            {
                continue; // a handle still live, or a lease granted after the read above
            }

            if (_table.TryGet(row.LeaseId, out var local))
            {
                EndHere(local, ReasonOf(row));
            }
            else if (_handles.TryGetValue(row.LeaseId, out var handle))
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

    private PlacementRequest Validate(SliceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.EnsureValid();
        if (request.TimeToLive is { } ttl && (ttl <= TimeSpan.Zero || ttl > _settings.MaxTimeToLive))
        {
            throw new InvalidPoolRequestException($"TimeToLive must be positive and at most {_settings.MaxTimeToLive}; got {ttl}.");
        }

        return PlacementRequest.From(request);
    }

    private async Task<LeaseEntry?> AttemptAsync(SliceRequest request, PlacementRequest placement, string tenant, CancellationToken cancellationToken)
    {
        var pool = await _store.ReadPoolAsync(cancellationToken).ConfigureAwait(false);
        HashSet<(string Node, string Device)>? busy = null;
        while (true)
        {
            // Grants placed at the same moment choose the same devices: rather than queue on their row locks,
            // a grant that finds one held places again without it, and waits only when nothing else would do.
            var decision = _placer.Choose(pool, placement, busy);
            var wait = decision is null && busy is not null;
            if (wait)
            {
                decision = _placer.Choose(pool, placement);
            }

            if (decision is null)
            {
                return null;
            }

            var plan = Plan(request, placement, tenant, decision);
            var sent = _node.Time.GetUtcNow();
            var outcome = await _grants.GrantAsync(_node.Registration, plan, skipLocked: !wait, cancellationToken).ConfigureAwait(false);
            switch (outcome.Kind)
            {
                case GrantOutcomeKind.Granted:
                    return await MaterializeAsync(outcome.Lease!, sent + plan.TimeToLive, pool, cancellationToken).ConfigureAwait(false);
                case GrantOutcomeKind.Existing:
                    return await MaterializeAsync(outcome.Lease!, outcome.Lease!.ExpiresAt, pool, cancellationToken).ConfigureAwait(false);
                case GrantOutcomeKind.Busy:
                    busy ??= [];
                    busy.UnionWith(plan.DeviceIds.Select(d => (plan.NodeId, d)));
                    break;
                case GrantOutcomeKind.QuotaRefused:
                    throw new QuotaExceededException(outcome.Message!);
                case GrantOutcomeKind.WriterFenced:
                    throw new PoolUnavailableException("This server's epoch is no longer current; it joins the pool again.", _node.Options.RetryAfter);
                default:
                    throw new GrantConflictException(outcome.Message ?? plan.NodeId);
            }
        }
    }

    private GrantPlan Plan(SliceRequest request, PlacementRequest placement, string tenant, PlacementDecision decision) => new()
    {
        LeaseId = NewLeaseId(),
        Tenant = tenant,
        Request = request,
        NodeId = decision.NodeId,
        DeviceIds = decision.DeviceIds,
        MemoryBytes = placement.WholeDevices ? placement.MemoryBytes : decision.MemoryBytes,
        Milli = placement.Milli,
        WholeDevices = placement.WholeDevices,
        QuotaMemoryBytes = decision.MemoryBytes * placement.DeviceCount,
        QuotaMilli = (long)placement.Milli * placement.DeviceCount,
        TimeToLive = request.TimeToLive ?? _settings.DefaultTimeToLive,
    };

    private async Task<LeaseEntry?> MaterializeAsync(ClusterLease lease, DateTimeOffset expiresAt, IReadOnlyList<PoolDevice> pool, CancellationToken cancellationToken)
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

    private LeaseEntry? Adopt(ClusterLease row, DateTimeOffset expiresAt)
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

    private LeaseEntry Handle(ClusterLease row, DateTimeOffset expiresAt, IReadOnlyList<PoolDevice> pool)
    {
        var entry = View(row, pool);
        entry.ExpiresAt = expiresAt;
        return _handles.GetOrAdd(row.LeaseId, entry);
    }

    private LeaseEntry View(ClusterLease row) => View(row, []);

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

    private bool EndHere(LeaseEntry lease, LeaseLostReason reason)
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

    private LeaseLostReason ReasonOf(ClusterLease? row) => row switch
    {
        null => LeaseLostReason.Revoked,
        { EndReason: not LeaseLostReason.None } => row.EndReason,
        _ when row.ExpiresAt <= _node.Time.GetUtcNow() => LeaseLostReason.Expired,
        _ => LeaseLostReason.NodeLost, // not ended, yet not live: its node is no longer alive in the lease's epoch
    };

    private static string NewLeaseId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return "ls_" + Convert.ToHexStringLower(bytes);
    }
}
