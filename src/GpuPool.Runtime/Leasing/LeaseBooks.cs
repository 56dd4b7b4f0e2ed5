using System.Diagnostics.CodeAnalysis;
using GpuPool.Diagnostics;
using System.Security.Cryptography;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// The books of the lease table: which leases are live, what each tenant holds, which client request
/// id each answers, and the allocator whose capacity they take. A grant is journaled before it enters
/// the books. Not thread-safe: <see cref="LeaseTable"/> calls it under its lock.
/// </summary>
internal sealed class LeaseBooks(SliceAllocator allocator, LeaseTableSettings settings, TimeProvider time, ILogger logger, RuntimeMetrics metrics, ILeaseJournal? journal, ITenantQuotaPolicy? quotas)
{
    private readonly Dictionary<string, LeaseEntry> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TenantUsage> _usage = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Tenant, string RequestId), LeaseEntry> _byRequestId = [];
    private long _fencing;

    public SliceAllocator Allocator { get; } = allocator;

    public IReadOnlyCollection<LeaseEntry> Live => _leases.Values;

    /// <summary>The highest fencing token issued or restored; the next grant gets the one above.</summary>
    public long FencingToken => _fencing;

    public bool TryGet(string leaseId, [NotNullWhen(true)] out LeaseEntry? lease) => _leases.TryGetValue(leaseId, out lease);

    public IReadOnlyList<LeaseEntry> List(string? tenant) => tenant is null
        ? [.. _leases.Values]
        : [.. _leases.Values.Where(l => string.Equals(l.Tenant, tenant, StringComparison.Ordinal))];

    public TenantUsage GetUsage(string tenant) => _usage.GetValueOrDefault(tenant);

    /// <summary>Checks the request on its own (shape, time-to-live); the allocator is not consulted.</summary>
    public PlacementRequest Validate(SliceRequest request, string tenant)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(tenant);
        request.EnsureValid();
        if (request.TimeToLive is { } ttl)
        {
            ValidateTimeToLive(ttl);
        }

        return PlacementRequest.From(request);
    }

    public void EnsureCouldEverFit(SliceRequest request, in PlacementRequest placement, string tenant)
    {
        if (!Allocator.CouldEverFit(placement))
        {
            metrics.Rejected(tenant, "impossible");
            throw new InvalidPoolRequestException(
                $"No device in this pool can ever hold the request ({ByteSize.Format(request.MemoryBytes)}, " +
                $"{(request.IsWholeDevice ? $"{request.WholeDevices} whole device(s)" : $"{request.ComputeMilli} milli")}): " +
                "check the memory, the device count and the constraints against the inventory.");
        }
    }

    public void ValidateTimeToLive(TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero || ttl > settings.MaxTimeToLive)
        {
            throw new InvalidPoolRequestException($"TimeToLive must be positive and at most {settings.MaxTimeToLive}; got {ttl}.");
        }
    }

    /// <summary>The live lease an earlier try of the same client request was granted (retries are idempotent).</summary>
    public LeaseEntry? FindRetry(SliceRequest request, string tenant) =>
        request.ClientRequestId is { } id && _byRequestId.TryGetValue((tenant, id), out var existing) && existing.IsActive ? existing : null;

    /// <summary>Why the tenant's quota refuses the request, or <see langword="null"/> when it allows it.</summary>
    public string? QuotaRefusal(string tenant, SliceRequest request, in PlacementRequest placement) =>
        quotas?.Check(tenant, request, placement.MemoryBytes * placement.DeviceCount, (long)placement.Milli * placement.DeviceCount, _usage.GetValueOrDefault(tenant));

    public void CheckQuota(string tenant, SliceRequest request, in PlacementRequest placement)
    {
        if (QuotaRefusal(tenant, request, placement) is { } message)
        {
            metrics.Rejected(tenant, "quota");
            throw new QuotaExceededException(message);
        }
    }

    /// <summary>Places and records a new lease, or returns <see langword="null"/> when nothing fits now.</summary>
    /// <exception cref="PoolUnavailableException">The journal cannot record it (nothing is granted).</exception>
    public LeaseEntry? Grant(SliceRequest request, in PlacementRequest placement, string tenant, TimeSpan waited)
    {
        Allocation? allocation;
        using (RuntimeActivity.Source.StartActivity(GpuPoolInstruments.PlacementSpan))
        {
            allocation = Allocator.TryAllocate(placement);
        }

        if (allocation is null)
        {
            return null;
        }

        var entry = new LeaseEntry(NewLeaseId(), tenant, request, allocation, time.GetUtcNow(), request.TimeToLive ?? settings.DefaultTimeToLive, ++_fencing);
        try
        {
            if (journal is not null)
            {
                using var span = RuntimeActivity.Source.StartActivity(GpuPoolInstruments.JournalSpan);
                journal.Granted(entry);
            }
        }
        catch (Exception ex)
        {
            Allocator.Free(allocation);
            throw new PoolUnavailableException("The lease journal cannot be written; no lease is granted unrecorded.", TimeSpan.FromSeconds(5), ex);
        }

        Add(entry);
        metrics.Granted(entry, waited);
        RuntimeLog.LeaseGranted(logger, entry.Id, tenant, allocation.Descriptors[0].Id, allocation.MemoryBytes, allocation.Milli);
        return entry;
    }

    /// <summary>Puts a lease restored from the journal (already placed on the allocator) back in the books.</summary>
    public void AddRestored(LeaseEntry entry)
    {
        _fencing = Math.Max(_fencing, entry.FencingToken);
        Add(entry);
    }

    public void RaiseFencingTo(long token) => _fencing = Math.Max(_fencing, token);

    /// <summary>Extends a live lease; the journal records the new expiry or nothing changes.</summary>
    public void Renew(LeaseEntry lease, TimeSpan? timeToLive)
    {
        lease.EnsureActive();
        var previousTtl = lease.TimeToLive;
        var previousExpiry = lease.ExpiresAt;
        lease.TimeToLive = timeToLive ?? lease.TimeToLive;
        lease.ExpiresAt = time.GetUtcNow() + lease.TimeToLive;
        try
        {
            journal?.Renewed(lease);
        }
        catch (Exception ex)
        {
            lease.TimeToLive = previousTtl;
            lease.ExpiresAt = previousExpiry;
            throw new PoolUnavailableException("The lease journal cannot be written; the renewal was not recorded.", TimeSpan.FromSeconds(1), ex);
        }
    }

    /// <summary>Ends a live lease and frees what it held; <see langword="false"/> when it had already ended.</summary>
    public bool End(LeaseEntry lease, LeaseLostReason reason)
    {
        if (lease.State != LeaseState.Active || !_leases.Remove(lease.Id))
        {
            return false;
        }

        try
        {
            journal?.Ended(lease);
        }
        catch (Exception ex)
        {
            // An end cannot be refused (expiry, revocation): the lease stays recorded as live until the
            // journal records it; a restart meanwhile restores it and it expires on its own.
            RuntimeLog.JournalEndFailed(logger, lease.Id, ex);
        }

        lease.State = reason == LeaseLostReason.Released ? LeaseState.Released : LeaseState.Lost;
        lease.LostReason = reason;
        Allocator.Free(lease.Allocation);
        Account(lease, -1);
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

    private void Add(LeaseEntry entry)
    {
        _leases.Add(entry.Id, entry);
        if (entry.Request.ClientRequestId is { } requestId)
        {
            _byRequestId[(entry.Tenant, requestId)] = entry;
        }

        Account(entry, 1);
    }

    private void Account(LeaseEntry lease, int sign)
    {
        var a = lease.Allocation;
        _usage[lease.Tenant] = _usage.GetValueOrDefault(lease.Tenant).Add(a.MemoryBytes * a.Devices.Count, (long)a.Milli * a.Devices.Count, sign);
    }

    private static string NewLeaseId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return "ls_" + Convert.ToHexStringLower(bytes);
    }
}
