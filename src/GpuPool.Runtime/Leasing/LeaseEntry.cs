using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// The lease table's record of one lease. Its memory account (<see cref="TryCharge"/>) is what keeps
/// everything loaded into the lease within the granted memory.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The source has no timer; it lives as long as the lease and holders may observe its token after the lease ends.")]
internal sealed class LeaseEntry
{
    private readonly CancellationTokenSource _lost = new();
    private long _memoryUsed;

    internal LeaseEntry(string id, string tenant, SliceRequest request, Allocation allocation, DateTimeOffset grantedAt, TimeSpan timeToLive, long fencingToken)
    {
        Id = id;
        Tenant = tenant;
        Request = request;
        Allocation = allocation;
        GrantedAt = grantedAt;
        TimeToLive = timeToLive;
        ExpiresAt = grantedAt + timeToLive;
        FencingToken = fencingToken;
    }

    /// <summary>The lease id.</summary>
    public string Id { get; }

    /// <summary>The tenant that holds it.</summary>
    public string Tenant { get; }

    /// <summary>The request it was granted for.</summary>
    public SliceRequest Request { get; }

    /// <summary>What the allocator granted.</summary>
    public Allocation Allocation { get; }

    /// <summary>The devices of the slice.</summary>
    public IReadOnlyList<DeviceDescriptor> Devices => Allocation.Descriptors;

    /// <summary>When it was granted.</summary>
    public DateTimeOffset GrantedAt { get; }

    /// <summary>The time-to-live a renewal extends by.</summary>
    public TimeSpan TimeToLive { get; internal set; }

    /// <summary>When it expires unless renewed.</summary>
    public DateTimeOffset ExpiresAt { get; internal set; }

    /// <summary>The fencing token of this grant.</summary>
    public long FencingToken { get; }

    /// <summary>Where it is in its life.</summary>
    public LeaseState State { get; internal set; }

    /// <summary>Why it was lost, once lost.</summary>
    public LeaseLostReason LostReason { get; internal set; }

    /// <summary>Fires when the pool takes the lease back.</summary>
    public CancellationToken LostToken => _lost.Token;

    /// <summary>Memory granted, in bytes (the quota for models).</summary>
    public long MemoryQuotaBytes => Allocation.MemoryBytes;

    /// <summary>Memory charged for loaded models, in bytes.</summary>
    public long MemoryUsedBytes => Volatile.Read(ref _memoryUsed);

    /// <summary>True while the lease is held.</summary>
    public bool IsActive => State == LeaseState.Active;

    /// <summary>Charges <paramref name="bytes"/> to the lease if they fit in its quota.</summary>
    public bool TryCharge(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        while (true)
        {
            var used = Volatile.Read(ref _memoryUsed);
            if (used + bytes > MemoryQuotaBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _memoryUsed, used + bytes, used) == used)
            {
                return true;
            }
        }
    }

    /// <summary>Returns <paramref name="bytes"/> to the lease's quota.</summary>
    public void Uncharge(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Add(ref _memoryUsed, -bytes);
    }

    /// <summary>Throws <see cref="LeaseLostException"/> unless the lease is held.</summary>
    public void EnsureActive()
    {
        if (State != LeaseState.Active)
        {
            throw new LeaseLostException(
                State == LeaseState.Released ? $"Lease {Id} was released." : $"Lease {Id} was lost: {LostReason}.",
                State == LeaseState.Released ? LeaseLostReason.Released : LostReason);
        }
    }

    /// <summary>A snapshot for listings.</summary>
    public LeaseInfo ToInfo() => new()
    {
        Id = Id,
        Tenant = Tenant,
        Devices = Devices,
        MemoryBytes = Allocation.MemoryBytes,
        ComputeMilli = Allocation.Milli,
        MemoryUsedBytes = MemoryUsedBytes,
        Priority = Request.Priority,
        Isolation = Request.Isolation,
        HardCap = Request.HardCap,
        GrantedAt = GrantedAt,
        ExpiresAt = ExpiresAt,
        FencingToken = FencingToken,
    };

    internal void SignalLost() => _lost.Cancel();
}
