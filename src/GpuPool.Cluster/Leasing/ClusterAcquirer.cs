using System.Security.Cryptography;
using GpuPool.Cluster.Diagnostics;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Runtime;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// Acquires through the pool: a new request is placed over the whole pool and committed in the database
/// (placed again when another server took the capacity first), never ahead of a queued waiter of its
/// priority or above; a request that waits joins the pool's queue (<see cref="PoolQueue"/>), served by
/// priority then arrival whichever server it came through.
/// </summary>
internal sealed class ClusterAcquirer
{
    private readonly ClusterLeaseStore _store;
    private readonly LeaseGrants _grants;
    private readonly WaiterStore _waiters;
    private readonly PoolQueue _queue;
    private readonly ClusterPlacer _placer;
    private readonly ViewGrants _viewGrants;
    private readonly ClusterNode _node;
    private readonly NodeLeases _leases;
    private readonly CapacitySignal _capacity;
    private readonly LeaseTableSettings _settings;
    private readonly ResiliencePipeline _conflicts;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger _logger;
    private long _retries;

    public ClusterAcquirer(ClusterLeaseStore store, LeaseGrants grants, ViewGrants viewGrants, WaiterStore waiters, PoolQueue queue, ClusterPlacer placer, ClusterNode node, NodeLeases leases, CapacitySignal capacity, IOptions<GpuPoolRuntimeOptions> runtime, RuntimeMetrics metrics, ILogger<ClusterAcquirer> logger)
    {
        _metrics = metrics;
        _viewGrants = viewGrants;
        _store = store;
        _grants = grants;
        _waiters = waiters;
        _queue = queue;
        _placer = placer;
        _node = node;
        _leases = leases;
        _capacity = capacity;
        _settings = LeaseTableSettings.From(runtime.Value);
        _logger = logger;
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

    /// <summary>How many calls carried this server's batched grants.</summary>
    public long GrantCalls => _viewGrants.Calls;

    /// <summary>Grants a slice now, or returns <see langword="null"/> when nothing in the pool fits (or a waiter of its priority or above is queued).</summary>
    /// <remarks>A refusal is counted for the tenant (lease_rejected, the usage report) under the same reasons as on a single server.</remarks>
    public async ValueTask<LeaseEntry?> TryAcquireAsync(SliceRequest request, string tenant, CancellationToken cancellationToken = default)
    {
        var lease = await Counted(tenant, () => TryGrantAsync(request, tenant, cancellationToken)).ConfigureAwait(false);
        if (lease is null)
        {
            _metrics.Rejected(tenant, "capacity");
        }

        return lease;
    }

    /// <summary>Grants a slice, waiting in the pool's queue up to the request's wait timeout.</summary>
    public ValueTask<LeaseEntry> AcquireAsync(SliceRequest request, string tenant, CancellationToken cancellationToken = default) =>
        Counted(tenant, () => WaitForGrantAsync(request, tenant, cancellationToken));

    /// <summary>Runs an acquire, counting the tenant's refusal when the pool refuses it (not when the database is away).</summary>
    private async ValueTask<T> Counted<T>(string tenant, Func<ValueTask<T>> acquire)
    {
        try
        {
            return await acquire().ConfigureAwait(false);
        }
        catch (Exception ex) when (RefusalReason(ex) is { } reason)
        {
            _metrics.Rejected(tenant, reason);
            throw;
        }
    }

    private static string? RefusalReason(Exception ex) => ex switch
    {
        QuotaExceededException => "quota",
        LeaseTimeoutException => "timeout",
        InvalidPoolRequestException => "impossible",
        OperationCanceledException => "cancelled",
        _ => null,
    };

    private async ValueTask<LeaseEntry?> TryGrantAsync(SliceRequest request, string tenant, CancellationToken cancellationToken)
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

    private async ValueTask<LeaseEntry> WaitForGrantAsync(SliceRequest request, string tenant, CancellationToken cancellationToken)
    {
        var timeout = request.WaitTimeout ?? TimeSpan.FromMinutes(1);
        var deadline = _node.Time.GetUtcNow() + timeout;
        if (await TryGrantAsync(request, tenant, cancellationToken).ConfigureAwait(false) is { } now)
        {
            return now;
        }

        if (timeout <= TimeSpan.Zero)
        {
            throw new LeaseTimeoutException($"No slice in the pool is free and the request may not wait (wait timeout {timeout}).");
        }

        var waiterId = NewWaiterId();
        await Database(() => _waiters.RegisterAsync(waiterId, tenant, request, _node.Registration, cancellationToken)).ConfigureAwait(false);
        var settled = false;
        try
        {
            while (true)
            {
                var woken = _capacity.Next;
                await _queue.DispatchAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                if (await Database(() => _waiters.TakeGrantAsync(waiterId, cancellationToken)).ConfigureAwait(false) is { } granted)
                {
                    settled = true;
                    return await TakeAsync(granted, cancellationToken).ConfigureAwait(false);
                }

                var left = deadline - _node.Time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                // A notification wakes it at once; the heartbeat interval bounds a missed one.
                var poll = left < _node.Options.HeartbeatInterval ? left : _node.Options.HeartbeatInterval;
                await Task.WhenAny(woken, Task.Delay(poll, _node.Time, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }

            // Granted at the last moment: the lease is the caller's.
            var late = await Database(() => _waiters.WithdrawAsync(waiterId, CancellationToken.None)).ConfigureAwait(false);
            settled = true;
            return late is not null
                ? await TakeAsync(late, cancellationToken).ConfigureAwait(false)
                : throw new LeaseTimeoutException($"No slice in the pool freed up within {timeout}.");
        }
        finally
        {
            if (!settled)
            {
                await AbandonAsync(waiterId).ConfigureAwait(false);
            }
        }
    }

    private async Task AbandonAsync(string waiterId)
    {
        try
        {
            // Cancelled (or failed) while queued: leave the queue; a lease granted meanwhile goes back.
            if (await _waiters.WithdrawAsync(waiterId, CancellationToken.None).ConfigureAwait(false) is { } orphan)
            {
                await _store.EndAsync(orphan, LeaseLostReason.Released, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            // The database is away: its row is removed when this server's epoch ends, a granted lease expires.
            ClusterLog.GrantUnavailable(_logger, ex);
        }
    }

    private async Task<LeaseEntry> TakeAsync(string leaseId, CancellationToken cancellationToken)
    {
        var rows = await Database(() => _store.GetAsync([leaseId], cancellationToken)).ConfigureAwait(false);
        if (rows.Count == 0 || !rows[0].IsLive)
        {
            throw new LeaseLostException($"Lease {leaseId}, granted from the pool's queue, ended before it was taken.", _leases.ReasonOf(rows.Count > 0 ? rows[0] : null));
        }

        return await _leases.MaterializeAsync(rows[0], rows[0].ExpiresAt, [], cancellationToken).ConfigureAwait(false)
            ?? throw new PoolUnavailableException($"Lease {leaseId} cannot be placed on this node's devices yet.", _node.Options.RetryAfter);
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

    // A request that does not depend on its tenant (no quota to check, no client request id) is placed on this
    // server's view of the pool and committed with the other acquires of the moment in one call; any other
    // reads the pool and commits alone under its tenant's lock.
    private async Task<LeaseEntry?> AttemptAsync(SliceRequest request, PlacementRequest placement, string tenant, CancellationToken cancellationToken)
    {
        var grant = await _viewGrants.GrantAsync(request, placement, tenant, _settings.DefaultTimeToLive, cancellationToken).ConfigureAwait(false);
        if (grant is null)
        {
            return null;
        }

        if (grant.DependsOnTenant)
        {
            return await AttemptAloneAsync(request, placement, tenant, cancellationToken).ConfigureAwait(false);
        }

        var (outcome, plan) = (grant.Outcome!, grant.Plan!);
        return outcome.Kind switch
        {
            GrantOutcomeKind.Granted => await _leases.MaterializeAsync(outcome.Lease!, grant.SentAt + plan.TimeToLive, _viewGrants.Devices, cancellationToken).ConfigureAwait(false),
            GrantOutcomeKind.Yielded => null,
            GrantOutcomeKind.WriterFenced => throw new PoolUnavailableException("This server's epoch is no longer current; it joins the pool again.", _node.Options.RetryAfter),
            _ => throw new GrantConflictException(outcome.Message ?? plan.NodeId),
        };
    }

    private async Task<LeaseEntry?> AttemptAloneAsync(SliceRequest request, PlacementRequest placement, string tenant, CancellationToken cancellationToken)
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

            var plan = GrantPlan.For(request, placement, tenant, decision, _settings.DefaultTimeToLive);
            var sent = _node.Time.GetUtcNow();
            var outcome = await _grants.GrantAsync(_node.Registration, plan, skipLocked: !wait, cancellationToken).ConfigureAwait(false);
            switch (outcome.Kind)
            {
                case GrantOutcomeKind.Granted:
                    _viewGrants.GrantedAlone(); // not announced: the view reads it with the pool
                    return await _leases.MaterializeAsync(outcome.Lease!, sent + plan.TimeToLive, pool, cancellationToken).ConfigureAwait(false);
                case GrantOutcomeKind.Existing:
                    return await _leases.MaterializeAsync(outcome.Lease!, outcome.Lease!.ExpiresAt, pool, cancellationToken).ConfigureAwait(false);
                case GrantOutcomeKind.Yielded:
                    return null;
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

    private Task<T> Database<T>(Func<Task<T>> call) => DatabaseFailures.GuardAsync(call, _node.Options.RetryAfter);

    private async Task Database(Func<Task> call) => await Database(async () =>
    {
        await call().ConfigureAwait(false);
        return true;
    }).ConfigureAwait(false);

    private static string NewWaiterId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return "wt_" + Convert.ToHexStringLower(bytes);
    }
}
