using GpuPool.Cluster.Store;
using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// This server's view of the pool, kept in memory so that a grant neither reads the pool nor rebuilds an
/// allocator: read in full once, then kept up to date from the pool's channel (grants of every server's batches,
/// releases and ends by lease id) and this server's own grants; read again in full when it may be wrong (a
/// notification it cannot apply, a node joined or died, a grant refused for capacity, the listener reconnected),
/// when it is older than its maximum age, and before it answers that nothing fits — unless it is told to trust the
/// pool's announcements (<paramref name="trustAnnouncedEnds"/>) and no lease it counts can have ended unannounced
/// (every end is announced but an expiry: the view knows when each lease it counts expires, as granted or as last
/// read, and a renewal only makes that later); then a refusal may lag a release committed a moment ago whose
/// announcement has not arrived yet (a waiting acquire is not refused: the queue's dispatch reads the pool). The
/// grant transaction checks capacity again under row locks: a stale view costs a retry, never an over-commit. The placement policy is
/// created once and a read of the same nodes and devices is reconciled into the view in place, so that the
/// policy keeps what it learned (the default policy learns the mix of requests) and its index; a placement that
/// found nothing is not asked again of a read that freed nothing (the policy is asked once per request, as a
/// single server's allocator is).
/// </summary>
/// <param name="store">Reads the pool.</param>
/// <param name="policies">Creates the placement policy (once).</param>
/// <param name="time">The server's clock.</param>
/// <param name="maxAge">How old the view may get before it is read again in full.</param>
/// <param name="trustAnnouncedEnds">Answer that nothing fits without a read while no lease the view counts can have ended unannounced.</param>
/// <param name="barrier">
/// Before answering that nothing fits, wait for every announcement committed before the answer instead of reading
/// the pool (when no lease the view counts can have ended unannounced, and the barrier passes; else the view is read).
/// </param>
internal sealed class PoolView(
    ClusterLeaseStore store,
    Func<IPlacementPolicy> policies,
    TimeProvider time,
    TimeSpan maxAge,
    bool trustAnnouncedEnds = false,
    AnnouncementBarrier? barrier = null)
{
    private readonly Lock _gate = new();
    private PoolSnapshot? _current;
    private IPlacementPolicy? _policy;

    // Places held by this server's grants in flight, and announced grants that did not fit beside them (often this
    // server's own grant, announced before its caller confirmed it): counted once the places are settled.
    private int _reserved;
    private List<LiveLeaseUsage>? _deferred;
    private List<(LiveLeaseUsage? Granted, string? Released)>? _seenWhileReading;
    private Task? _reading;
    private bool _stale = true;
    private long _reads;

    /// <summary>How many times the view was read in full.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>The devices of the last full read (for the addresses and descriptors of leases placed on other nodes).</summary>
    public IReadOnlyList<PoolDevice> Devices
    {
        get
        {
            lock (_gate)
            {
                return _current?.Devices ?? [];
            }
        }
    }

    /// <summary>
    /// Places the request on the view and holds the place until <see cref="Confirm"/> or <see cref="Cancel"/>;
    /// null when nothing fits in a view just read.
    /// </summary>
    /// <exception cref="InvalidPoolRequestException">No device in the pool, just read, could ever hold the request.</exception>
    public async ValueTask<PoolReservation?> PlaceAsync(PlacementRequest request, CancellationToken cancellationToken)
    {
        var fresh = false;
        var barrierTried = false;
        var settledByBarrier = false;
        (PoolSnapshot Snapshot, long Freed)? foundNothing = null;
        while (true)
        {
            if (NeedsReading)
            {
                await ReadAsync(cancellationToken).ConfigureAwait(false);
                fresh = true;
                settledByBarrier = false;
            }

            var passBarrier = false;

            lock (_gate)
            {
                var snapshot = _current!;
                if (foundNothing is not { } nothing || !ReferenceEquals(nothing.Snapshot, snapshot) || nothing.Freed != snapshot.Freed)
                {
                    if (snapshot.Allocator.CouldEverFit(request) && snapshot.Allocator.TryAllocate(request) is { } allocation)
                    {
                        _reserved++;
                        return new PoolReservation(snapshot, allocation, snapshot.Decision(allocation), snapshot.Alternative(request, allocation));
                    }

                    foundNothing = (snapshot, snapshot.Freed);
                }

                if (fresh && settledByBarrier && (_stale || time.GetUtcNow().ToUnixTimeMilliseconds() >= snapshot.EarliestExpiryMs))
                {
                    _stale = true; // the view may have gone wrong, or a lease expired, while the barrier ran: read it
                    (fresh, settledByBarrier) = (false, false);
                    continue;
                }

                if (fresh)
                {
                    return snapshot.Devices.Count == 0 || snapshot.Allocator.CouldEverFit(request) ? null : throw ClusterPlacer.NeverFits(request);
                }

                var noneExpired = !_stale && time.GetUtcNow().ToUnixTimeMilliseconds() < snapshot.EarliestExpiryMs && snapshot.Allocator.CouldEverFit(request);
                if (trustAnnouncedEnds && noneExpired)
                {
                    return null; // nothing it counts can have ended unannounced: the view is as good as a read
                }

                if (barrier is not null && noneExpired && !barrierTried)
                {
                    passBarrier = true; // every end is announced: once the ends committed until now have arrived, the view is as good as a read
                }
                else
                {
                    _stale = true; // else "nothing fits" comes only from a view just read
                }
            }

            if (passBarrier)
            {
                barrierTried = true;
                if (await barrier!.PassAsync(cancellationToken).ConfigureAwait(false))
                {
                    (fresh, settledByBarrier) = (true, true); // placed again on the view as it stands after the announcements (only if they freed something)
                }
                else
                {
                    Invalidate();
                }
            }
        }
    }

    /// <summary>The lease was granted: the reserved place counts as it until it is released (or, granted on its alternative, that place does).</summary>
    public void Confirm(PoolReservation reservation, ClusterLease lease)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            _reserved--;
            if (!ReferenceEquals(reservation.Snapshot, _current))
            {
                return; // read again meanwhile: the new view has the lease, or hears of it
            }

            var usage = new LiveLeaseUsage(lease.LeaseId, lease.NodeId, [.. lease.DeviceIds], lease.MemoryBytes, lease.Milli, lease.CpuMilli, lease.HostMemoryBytes, lease.ExpiresAt.ToUnixTimeMilliseconds());
            _seenWhileReading?.Add((usage, null)); // a read in flight may have missed it: counted again after it (idempotent)
            var asReserved = lease.NodeId == reservation.Decision.NodeId && lease.DeviceIds.SequenceEqual(reservation.Decision.DeviceIds);
            if (asReserved && _current.Leases.TryAdd(lease.LeaseId, reservation.Allocation))
            {
                _current.Expires(usage.ExpiresAtMs);
            }
            else
            {
                _current.Free(reservation.Allocation); // elsewhere, or its notice came first and counted it
            }

            if (!asReserved && !_current.Add(usage))
            {
                _stale = true;
            }

            CountDeferred();
        }
    }

    /// <summary>The grant did not happen: the place is free again.</summary>
    public void Cancel(PoolReservation reservation)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        lock (_gate)
        {
            _reserved--;
            if (ReferenceEquals(reservation.Snapshot, _current))
            {
                _current.Free(reservation.Allocation);
                CountDeferred();
            }
        }
    }

    /// <summary>A batch granted a lease (any server's): it counts.</summary>
    public void Granted(LiveLeaseUsage lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            _seenWhileReading?.Add((lease, null));
            if (_current is not null && !_current.Add(lease))
            {
                if (_reserved > 0)
                {
                    (_deferred ??= []).Add(lease); // beside a place held for a grant in flight (its own, perhaps)
                }
                else
                {
                    _stale = true;
                }
            }
        }
    }

    // Under the gate, once a held place is settled: the announced grants that did not fit beside it count now
    // (one already confirmed is counted once), or wait for the places still held; else the view is wrong.
    private void CountDeferred()
    {
        if (_deferred is null)
        {
            return;
        }

        var waiting = _deferred;
        _deferred = null;
        foreach (var lease in waiting)
        {
            if (!_current!.Add(lease))
            {
                if (_reserved > 0)
                {
                    (_deferred ??= []).Add(lease);
                }
                else
                {
                    _stale = true;
                }
            }
        }
    }

    /// <summary>A lease ended (any server's): what it took is free.</summary>
    public void Released(string leaseId)
    {
        lock (_gate)
        {
            _seenWhileReading?.Add((null, leaseId));
            _current?.Remove(leaseId);
        }
    }

    /// <summary>The view may be wrong: read it again before the next placement.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _stale = true;
        }
    }

    private bool NeedsReading
    {
        get
        {
            lock (_gate)
            {
                return _stale || _current is null || time.GetUtcNow() - _current.ReadAt > maxAge;
            }
        }
    }

    // Callers at the same moment share one read (not cancelled with any one of them).
    private Task ReadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return (_reading ??= Task.Run(ReadOnceAsync, CancellationToken.None)).WaitAsync(cancellationToken);
        }

        async Task ReadOnceAsync()
        {
            try
            {
                lock (_gate)
                {
                    _seenWhileReading = [];
                    _deferred = null; // the read counts them (or hears of them again)
                    _stale = false;
                }

                var readAt = time.GetUtcNow();
                var (devices, leases) = await store.ReadUsageAsync(CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref _reads);
                lock (_gate)
                {
                    // Under the lock: the policy is shared by the snapshots and is not thread-safe.
                    _policy ??= policies();
                    if (_current?.Reconcile(devices, leases, readAt) is null)
                    {
                        _current = PoolSnapshot.Build(devices, leases, _policy, readAt);
                    }

                    var snapshot = _current;

                    // What the channel said while the read ran may be newer than the read: apply it again (both idempotent).
                    foreach (var (granted, released) in _seenWhileReading!)
                    {
                        if (granted is not null)
                        {
                            snapshot.Add(granted);
                        }
                        else
                        {
                            snapshot.Remove(released!);
                        }
                    }
                }
            }
            catch
            {
                lock (_gate)
                {
                    _stale = true;
                }

                throw;
            }
            finally
            {
                lock (_gate)
                {
                    _seenWhileReading = null;
                    _reading = null;
                }
            }
        }
    }
}
