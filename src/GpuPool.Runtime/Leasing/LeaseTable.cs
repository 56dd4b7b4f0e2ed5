using System.Diagnostics.CodeAnalysis;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// The lease table: grants slices, renews, releases (idempotently), reclaims expired leases on the
/// injected <see cref="TimeProvider"/>, and queues requests that must wait, ordered by priority then
/// arrival. Thread-safe: it owns the one lock, and each concern lives in a part it calls under that
/// lock (<see cref="LeaseBooks"/>, <see cref="LeaseWaitQueue"/>, <see cref="LeaseExpiry"/>,
/// <see cref="LeaseRestorer"/>, <see cref="LeaseDeviceOperations"/>); lease-end work runs outside it,
/// through <see cref="LeaseEndObservers"/>.
/// </summary>
internal sealed class LeaseTable : IDisposable
{
    private readonly Lock _lock = new();
    private readonly LeaseBooks _books;
    private readonly LeaseWaitQueue _waiting;
    private readonly LeaseExpiry _expiry;
    private readonly LeaseDeviceOperations _devices;
    private Models.IDeviceMemoryBook? _memoryBook;
    private readonly LeaseEndObservers _observers;
    private readonly Dictionary<string, LeaseLostReason> _droppedAtRestore;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RuntimeMetrics _metrics;
    private bool _disposed;

    /// <summary>Creates a table over the given nodes and restores what the journal holds.</summary>
    public LeaseTable(
        IReadOnlyList<NodeCapacity> nodes,
        IPlacementPolicy policy,
        LeaseTableSettings settings,
        TimeProvider timeProvider,
        ILogger<LeaseTable> logger,
        RuntimeMetrics metrics,
        ILeaseJournal? journal = null,
        ITenantQuotaPolicy? quotas = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(metrics);
        var allocator = new SliceAllocator(nodes, policy);
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _books = new LeaseBooks(allocator, settings, timeProvider, logger, metrics, journal, quotas);
        _waiting = new LeaseWaitQueue(settings.MaxWaiters, timeProvider, metrics);
        _expiry = new LeaseExpiry(timeProvider, () => ReclaimExpired());
        _devices = new LeaseDeviceOperations(allocator, journal, timeProvider, logger);
        _observers = new LeaseEndObservers(logger);
        _droppedAtRestore = journal is null ? [] : Restore(new LeaseRestorer(journal, _books, timeProvider, logger, metrics));
    }

    /// <summary>The time source.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Number of leases alive.</summary>
    public int Count => Locked(() => _books.Live.Count);

    /// <summary>Number of requests waiting for capacity.</summary>
    public int WaitingCount => Locked(() => _waiting.Count);

    /// <summary>Number of leases restored from the journal when the table started.</summary>
    public int RestoredCount { get; private set; }

    /// <summary>Grants a slice now or returns <see langword="null"/>; never waits.</summary>
    /// <exception cref="InvalidPoolRequestException">The request is malformed or can never be satisfied.</exception>
    /// <exception cref="QuotaExceededException">The tenant's quota does not allow it.</exception>
    public LeaseEntry? TryGrant(SliceRequest request, string tenant = "")
    {
        var placement = Prepare(request, tenant);
        LeaseEntry? entry;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_books.FindRetry(request, tenant) is { } existing)
            {
                return existing;
            }

            _books.CheckQuota(tenant, request, placement);
            entry = _waiting.HasWaitersAtOrAbove(request.Priority) ? null : Grant(request, placement, tenant, TimeSpan.Zero);
        }

        if (entry is null)
        {
            _metrics.Rejected(tenant, "capacity");
        }

        return entry;
    }

    /// <summary>
    /// Grants a slice, waiting in the queue (priority, then arrival) while none is free. Ends with
    /// <see cref="LeaseTimeoutException"/> after the request's wait timeout, or
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public ValueTask<LeaseEntry> GrantAsync(SliceRequest request, string tenant = "", CancellationToken cancellationToken = default)
    {
        var placement = Prepare(request, tenant);
        cancellationToken.ThrowIfCancellationRequested();
        LeaseWaiter waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_books.FindRetry(request, tenant) is { } existing)
            {
                return ValueTask.FromResult(existing);
            }

            _books.CheckQuota(tenant, request, placement);
            if (!_waiting.HasWaitersAtOrAbove(request.Priority) && Grant(request, placement, tenant, TimeSpan.Zero) is { } granted)
            {
                return ValueTask.FromResult(granted);
            }

            if (request.WaitTimeout == TimeSpan.Zero)
            {
                _metrics.Rejected(tenant, "timeout");
                throw new LeaseTimeoutException("No slice is free and the request does not wait (WaitTimeout is zero).");
            }

            waiter = _waiting.Enqueue(request, placement, tenant, AbandonWaiter);
        }

        waiter.Arm(request.WaitTimeout, cancellationToken);
        return new ValueTask<LeaseEntry>(waiter.Task);
    }

    /// <summary>Looks a lease up by id.</summary>
    public bool TryGet(string leaseId, [NotNullWhen(true)] out LeaseEntry? lease)
    {
        lock (_lock)
        {
            return _books.TryGet(leaseId, out lease);
        }
    }

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
        if (!TryGet(leaseId, out var lease))
        {
            return null;
        }

        return lease.FencingToken == fencingToken
            ? lease
            : throw new LeaseLostException($"Lease {leaseId} is held under fencing token {lease.FencingToken}; token {fencingToken} is stale.", LeaseLostReason.Revoked);
    }

    /// <summary>
    /// Whether the journal recorded the lease as live but the restart could not keep it (it expired while the
    /// pool was down, its device left the inventory, or its slice was held by a newer grant), and why.
    /// </summary>
    public bool WasDroppedAtRestore(string leaseId, out LeaseLostReason reason)
    {
        ArgumentNullException.ThrowIfNull(leaseId);
        return _droppedAtRestore.TryGetValue(leaseId, out reason);
    }

    /// <summary>Every live lease, or those of one tenant.</summary>
    public IReadOnlyList<LeaseEntry> List(string? tenant = null) => Locked(() => _books.List(tenant));

    /// <summary>What a tenant holds now.</summary>
    public TenantUsage GetUsage(string tenant) => Locked(() => _books.GetUsage(tenant));

    /// <summary>Extends a lease by its time-to-live (or <paramref name="timeToLive"/>) from now.</summary>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    public void Renew(LeaseEntry lease, TimeSpan? timeToLive = null)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (timeToLive is { } ttl)
        {
            _books.ValidateTimeToLive(ttl);
        }

        lock (_lock)
        {
            _books.Renew(lease, timeToLive);
            _expiry.Schedule(lease, _books.Live);
        }
    }

    /// <summary>Releases a lease. Returns <see langword="false"/> when it had already ended (release is idempotent).</summary>
    public bool Release(LeaseEntry lease) => End(lease, LeaseLostReason.Released);

    /// <summary>Takes a lease back (administrator revocation, lost worker). Returns <see langword="false"/> when it had already ended.</summary>
    public bool Revoke(LeaseEntry lease, LeaseLostReason reason = LeaseLostReason.Revoked) =>
        End(lease, reason == LeaseLostReason.Released ? LeaseLostReason.Revoked : reason);

    /// <summary>Reclaims every lease whose time-to-live has passed. The table's timer calls this; tests and tools may too.</summary>
    public int ReclaimExpired()
    {
        List<LeaseEntry> expired = [];
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var lease in _expiry.TakeDue(now) ?? [])
            {
                if (_books.End(lease, LeaseLostReason.Expired))
                {
                    expired.Add(lease);
                }
            }

            if (expired.Count > 0)
            {
                GrantWaiters();
            }

            _expiry.Reset(now);
        }

        expired.ForEach(AfterEnded);
        return expired.Count;
    }

    /// <summary>
    /// Stops (or resumes) new leases on a device; with a journal the state survives a restart. Returns
    /// <see langword="false"/> for an unknown device.
    /// </summary>
    /// <exception cref="PoolUnavailableException">The journal cannot record the change (nothing changed).</exception>
    public bool SetDraining(string node, string deviceId, bool draining)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_devices.SetDraining(node, deviceId, draining))
            {
                return false;
            }

            if (!draining)
            {
                GrantWaiters();
            }
        }

        _devices.LogDraining(deviceId, draining);
        return true;
    }

    /// <summary>Records memory used on a device outside the pool (telemetry), so it is not handed out.</summary>
    public void SetExternalMemory(string node, string deviceId, long bytes)
    {
        lock (_lock)
        {
            _devices.SetExternalMemory(node, deviceId, bytes);
            GrantWaiters();
        }
    }

    /// <summary>A snapshot of every device and its allocation (and, with a model host, the memory its models are charged and occupy).</summary>
    public PoolInventory GetInventory()
    {
        var inventory = Locked(_devices.GetInventory);
        if (_memoryBook is not { } book)
        {
            return inventory;
        }

        // Read outside the table's lock: the model host has its own.
        return inventory with
        {
            Devices = [.. inventory.Devices.Select(d =>
            {
                var (charged, models) = book.MemoryOf(d.Device.Id);
                return d with { ChargedMemoryBytes = charged, ModelMemoryBytes = models };
            })],
        };
    }

    /// <summary>The model host's books, shown in the inventory next to the quotas.</summary>
    internal void SetMemoryBook(Models.IDeviceMemoryBook book) => _memoryBook = book;

    /// <summary>
    /// Puts a lease granted elsewhere (a cluster's state of record) into the table on exactly the devices it
    /// names, with its id, fencing token and expiry; the lease already there when the id is known, or
    /// <see langword="null"/> (with why) when the devices cannot hold it now.
    /// </summary>
    internal LeaseEntry? Adopt(JournaledLease record, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_books.TryGet(record.Id, out var existing))
            {
                reason = null;
                return existing;
            }

            if (LeaseRestorer.Place(_books.Allocator, record, out reason) is not { } allocation)
            {
                return null;
            }

            var entry = new LeaseEntry(record.Id, record.Tenant, record.Request, allocation, record.GrantedAt, record.TimeToLive, record.FencingToken)
            {
                ExpiresAt = record.ExpiresAt,
            };
            _books.AddRestored(entry);
            _expiry.Schedule(entry, _books.Live);
            return entry;
        }
    }

    /// <summary>Sets a live lease's expiry as its state of record says (a renewal made elsewhere); nothing for an ended lease.</summary>
    internal void Refresh(LeaseEntry lease, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            if (lease.IsActive && lease.ExpiresAt != expiresAt)
            {
                lease.ExpiresAt = expiresAt;
                _expiry.Schedule(lease, _books.Live);
            }
        }
    }

    /// <summary>Adds lease-end work, run in <see cref="ILeaseEndObserver.Stage"/> order; adding the same observer twice keeps one.</summary>
    internal void AddEndObserver(ILeaseEndObserver observer) => _observers.Add(observer);

    /// <summary>Stops calling an observer (one that is being disposed).</summary>
    internal void RemoveEndObserver(ILeaseEndObserver observer) => _observers.Remove(observer);

    /// <inheritdoc />
    public void Dispose()
    {
        List<LeaseWaiter> waiters;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            waiters = _waiting.TakeAll();
            _expiry.Dispose();
        }

        foreach (var waiter in waiters)
        {
            waiter.Fail(new ObjectDisposedException(nameof(LeaseTable)));
        }
    }

    private T Locked<T>(Func<T> read)
    {
        lock (_lock)
        {
            return read();
        }
    }

    private Dictionary<string, LeaseLostReason> Restore(LeaseRestorer restorer)
    {
        if (restorer.Load() is not { } snapshot)
        {
            return [];
        }

        Dictionary<string, LeaseLostReason> dropped;
        lock (_lock)
        {
            dropped = restorer.Restore(snapshot, lease => _expiry.Schedule(lease, _books.Live));
            RestoredCount = _books.Live.Count;
        }

        RuntimeLog.LeasesRestored(_logger, RestoredCount, dropped.Count, _books.FencingToken);
        return dropped;
    }

    private PlacementRequest Prepare(SliceRequest request, string tenant)
    {
        var placement = _books.Validate(request, tenant);
        lock (_lock)
        {
            _books.EnsureCouldEverFit(request, placement, tenant);
        }

        return placement;
    }

    private LeaseEntry? Grant(SliceRequest request, in PlacementRequest placement, string tenant, TimeSpan waited)
    {
        var entry = _books.Grant(request, placement, tenant, waited);
        if (entry is not null)
        {
            _expiry.Schedule(entry, _books.Live);
        }

        return entry;
    }

    private void GrantWaiters() => _waiting.GrantInOrder(waiter =>
        _books.QuotaRefusal(waiter.Tenant, waiter.Request, waiter.Placement) is null
            ? Grant(waiter.Request, waiter.Placement, waiter.Tenant, waiter.Waited)
            : null);

    private void AbandonWaiter(LeaseWaiter waiter, Exception error)
    {
        lock (_lock)
        {
            if (!_waiting.Remove(waiter))
            {
                return;
            }

            // A high-priority waiter that gives up may unblock lower-priority ones.
            GrantWaiters();
        }

        _metrics.Rejected(waiter.Tenant, error is OperationCanceledException ? "cancelled" : "timeout");
        waiter.Fail(error);
    }

    private bool End(LeaseEntry lease, LeaseLostReason reason)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            if (!_books.End(lease, reason))
            {
                return false;
            }

            GrantWaiters();
        }

        AfterEnded(lease);
        return true;
    }

    private void AfterEnded(LeaseEntry lease)
    {
        _metrics.Ended(lease);
        if (lease.State == LeaseState.Lost)
        {
            RuntimeLog.LeaseLost(_logger, lease.Id, lease.LostReason);
            lease.SignalLost();
        }
        else
        {
            RuntimeLog.LeaseReleased(_logger, lease.Id);
        }

        _observers.Notify(lease);
    }
}
