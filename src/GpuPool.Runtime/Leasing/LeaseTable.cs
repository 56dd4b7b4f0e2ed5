using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// The lease table: grants slices through the allocator, renews, releases (idempotently), reclaims
/// expired leases on the injected <see cref="TimeProvider"/>, and queues requests that must wait,
/// ordered by priority then arrival. Thread-safe; one lock guards the allocator and the table.
/// </summary>
public sealed partial class LeaseTable : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SliceAllocator _allocator;
    private readonly Dictionary<string, LeaseEntry> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TenantUsage> _usage = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Tenant, string RequestId), LeaseEntry> _byRequestId = [];
    private readonly LeaseTableSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RuntimeMetrics _metrics;
    private readonly ILeaseJournal? _journal;
    private readonly ITenantQuotaPolicy? _quotas;
    private long _fencing;
    private bool _disposed;

    /// <summary>Creates a table over the given nodes.</summary>
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
        _allocator = new SliceAllocator(nodes, policy);
        _settings = settings;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _journal = journal;
        _quotas = quotas;
        _expiryTimer = timeProvider.CreateTimer(static state => ((LeaseTable)state!).OnExpiryTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        RestoreFromJournal();
    }

    /// <summary>Raised (outside the table's lock) when a lease ends for any reason.</summary>
    public event Action<LeaseEntry>? LeaseEnded;

    /// <summary>The time source.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Number of leases alive.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _leases.Count;
            }
        }
    }

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
            if (FindRetry(request, tenant) is { } existing)
            {
                return existing;
            }

            CheckQuota(tenant, request, placement);
            entry = HasWaitersAtOrAbove(request.Priority) ? null : GrantLocked(request, placement, tenant, TimeSpan.Zero);
        }

        if (entry is null)
        {
            _metrics.Rejected(tenant, "capacity");
        }

        return entry;
    }

    /// <summary>Looks a lease up by id.</summary>
    public bool TryGet(string leaseId, [NotNullWhen(true)] out LeaseEntry? lease)
    {
        lock (_lock)
        {
            return _leases.TryGetValue(leaseId, out lease);
        }
    }

    /// <summary>Every live lease, or those of one tenant.</summary>
    public IReadOnlyList<LeaseEntry> List(string? tenant = null)
    {
        lock (_lock)
        {
            return tenant is null
                ? [.. _leases.Values]
                : [.. _leases.Values.Where(l => string.Equals(l.Tenant, tenant, StringComparison.Ordinal))];
        }
    }

    /// <summary>What a tenant holds now.</summary>
    public TenantUsage GetUsage(string tenant)
    {
        lock (_lock)
        {
            return _usage.GetValueOrDefault(tenant);
        }
    }

    /// <summary>Extends a lease by its time-to-live (or <paramref name="timeToLive"/>) from now.</summary>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    public void Renew(LeaseEntry lease, TimeSpan? timeToLive = null)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (timeToLive is { } ttl)
        {
            ValidateTimeToLive(ttl);
        }

        lock (_lock)
        {
            lease.EnsureActive();
            var previousTtl = lease.TimeToLive;
            var previousExpiry = lease.ExpiresAt;
            lease.TimeToLive = timeToLive ?? lease.TimeToLive;
            lease.ExpiresAt = _time.GetUtcNow() + lease.TimeToLive;
            try
            {
                _journal?.Renewed(lease);
            }
            catch (Exception ex)
            {
                lease.TimeToLive = previousTtl;
                lease.ExpiresAt = previousExpiry;
                throw new PoolUnavailableException("The lease journal cannot be written; the renewal was not recorded.", TimeSpan.FromSeconds(1), ex);
            }

            ScheduleExpiryLocked(lease);
        }
    }

    /// <summary>Releases a lease. Returns <see langword="false"/> when it had already ended (release is idempotent).</summary>
    public bool Release(LeaseEntry lease) => End(lease, LeaseLostReason.Released);

    /// <summary>Takes a lease back (administrator revocation, lost worker). Returns <see langword="false"/> when it had already ended.</summary>
    public bool Revoke(LeaseEntry lease, LeaseLostReason reason = LeaseLostReason.Revoked) =>
        End(lease, reason == LeaseLostReason.Released ? LeaseLostReason.Revoked : reason);

    /// <inheritdoc />
    public void Dispose()
    {
        List<Waiter> waiters;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        _expiryTimer.Dispose();
        foreach (var waiter in waiters)
        {
            waiter.Fail(new ObjectDisposedException(nameof(LeaseTable)));
        }
    }

    private PlacementRequest Prepare(SliceRequest request, string tenant)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(tenant);
        request.EnsureValid();
        if (request.TimeToLive is { } ttl)
        {
            ValidateTimeToLive(ttl);
        }

        var placement = PlacementRequest.From(request);
        lock (_lock)
        {
            if (!_allocator.CouldEverFit(placement))
            {
                _metrics.Rejected(tenant, "impossible");
                throw new InvalidPoolRequestException(
                    $"No device in this pool can ever hold the request ({ByteSize.Format(request.MemoryBytes)}, " +
                    $"{(request.IsWholeDevice ? $"{request.WholeDevices} whole device(s)" : $"{request.ComputeMilli} milli")}): " +
                    "check the memory, the device count and the constraints against the inventory.");
            }
        }

        return placement;
    }

    private void ValidateTimeToLive(TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero || ttl > _settings.MaxTimeToLive)
        {
            throw new InvalidPoolRequestException($"TimeToLive must be positive and at most {_settings.MaxTimeToLive}; got {ttl}.");
        }
    }

    private LeaseEntry? FindRetry(SliceRequest request, string tenant) =>
        request.ClientRequestId is { } id && _byRequestId.TryGetValue((tenant, id), out var existing) && existing.IsActive ? existing : null;

    private void CheckQuota(string tenant, SliceRequest request, in PlacementRequest placement)
    {
        if (_quotas is null)
        {
            return;
        }

        var message = _quotas.Check(tenant, request, placement.MemoryBytes * placement.DeviceCount, (long)placement.Milli * placement.DeviceCount, _usage.GetValueOrDefault(tenant));
        if (message is not null)
        {
            _metrics.Rejected(tenant, "quota");
            throw new QuotaExceededException(message);
        }
    }

    private LeaseEntry? GrantLocked(SliceRequest request, in PlacementRequest placement, string tenant, TimeSpan waited)
    {
        var allocation = _allocator.TryAllocate(placement);
        if (allocation is null)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var entry = new LeaseEntry(NewLeaseId(), tenant, request, allocation, now, request.TimeToLive ?? _settings.DefaultTimeToLive, ++_fencing);
        try
        {
            _journal?.Granted(entry);
        }
        catch (Exception ex)
        {
            _allocator.Free(allocation);
            throw new PoolUnavailableException("The lease journal cannot be written; no lease is granted unrecorded.", TimeSpan.FromSeconds(5), ex);
        }

        _leases.Add(entry.Id, entry);
        if (request.ClientRequestId is { } requestId)
        {
            _byRequestId[(tenant, requestId)] = entry;
        }

        _usage[tenant] = _usage.GetValueOrDefault(tenant).Add(allocation.MemoryBytes * allocation.Devices.Count, (long)allocation.Milli * allocation.Devices.Count, 1);
        ScheduleExpiryLocked(entry);
        _metrics.Granted(tenant, allocation.Descriptors[0].Id, waited);
        RuntimeLog.LeaseGranted(_logger, entry.Id, tenant, allocation.Descriptors[0].Id, allocation.MemoryBytes, allocation.Milli);
        return entry;
    }

    private bool End(LeaseEntry lease, LeaseLostReason reason)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            if (!EndLocked(lease, reason))
            {
                return false;
            }

            GrantWaitersLocked();
        }

        AfterEnded(lease);
        return true;
    }

    private bool EndLocked(LeaseEntry lease, LeaseLostReason reason)
    {
        if (lease.State != LeaseState.Active || !_leases.Remove(lease.Id))
        {
            return false;
        }

        try
        {
            _journal?.Ended(lease);
        }
        catch (Exception ex)
        {
            // An end cannot be refused (expiry, revocation): the lease stays recorded as live until the
            // journal records it; a restart meanwhile restores it and it expires on its own.
            RuntimeLog.JournalEndFailed(_logger, lease.Id, ex);
        }

        lease.State = reason == LeaseLostReason.Released ? LeaseState.Released : LeaseState.Lost;
        lease.LostReason = reason;
        _allocator.Free(lease.Allocation);
        var a = lease.Allocation;
        _usage[lease.Tenant] = _usage[lease.Tenant].Add(a.MemoryBytes * a.Devices.Count, (long)a.Milli * a.Devices.Count, -1);
        if (_usage[lease.Tenant].Leases == 0)
        {
            _usage.Remove(lease.Tenant);
        }

        if (lease.Request.ClientRequestId is { } requestId)
        {
            _byRequestId.Remove((lease.Tenant, requestId));
        }

        return true;
    }

    private void AfterEnded(LeaseEntry lease)
    {
        _metrics.Ended(lease.Tenant, lease.Devices[0].Id, lease.LostReason);
        if (lease.State == LeaseState.Lost)
        {
            RuntimeLog.LeaseLost(_logger, lease.Id, lease.LostReason);
            lease.SignalLost();
        }
        else
        {
            RuntimeLog.LeaseReleased(_logger, lease.Id);
        }

        LeaseEnded?.Invoke(lease);
    }

    private static string NewLeaseId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return "ls_" + Convert.ToHexStringLower(bytes);
    }
}
