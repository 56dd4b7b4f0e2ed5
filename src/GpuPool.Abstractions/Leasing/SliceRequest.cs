namespace GpuPool;

/// <summary>
/// What a client asks the pool for: memory plus a compute share of one device, or several whole
/// devices, with placement constraints, a priority and a time-to-live.
/// </summary>
public sealed record SliceRequest
{
    /// <summary>The largest share of one device, in milli-units.</summary>
    public const int FullDeviceMilli = 1000;

    /// <summary>Device memory in bytes. For whole-device requests, 0 means "all of each device".</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Compute share of one device in milli-units (1–1000). Exclusive with <see cref="WholeDevices"/>.</summary>
    public int? ComputeMilli { get; init; }

    /// <summary>A number of entire devices on one node. Exclusive with <see cref="ComputeMilli"/>.</summary>
    public int? WholeDevices { get; init; }

    /// <summary>Where the slice may be placed.</summary>
    public DeviceConstraints? Constraints { get; init; }

    /// <summary>Order in the wait queue and on the device scheduler.</summary>
    public LeasePriority Priority { get; init; } = LeasePriority.Normal;

    /// <summary>How long the lease lives without a renewal; <see langword="null"/> takes the pool's default.</summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>How long <see cref="IGpuPool.LeaseAsync"/> waits for capacity; <see langword="null"/> waits until cancelled.</summary>
    public TimeSpan? WaitTimeout { get; init; }

    /// <summary>Whether the lease's models run in the pool's process or in a supervised worker process.</summary>
    public LeaseIsolation Isolation { get; init; } = LeaseIsolation.Shared;

    /// <summary>
    /// When <see langword="true"/>, the scheduler never gives the lease more than its share, even when the
    /// device is idle. By default idle capacity is lent to busy leases (work conserving).
    /// </summary>
    public bool HardCap { get; init; }

    /// <summary>Host CPU the slice also consumes on its node, in milli-cores (0 = none). Checked only where the node declares CPU.</summary>
    public int CpuMilli { get; init; }

    /// <summary>Host memory the slice also consumes on its node, in bytes (0 = none). Checked only where the node declares memory.</summary>
    public long HostMemoryBytes { get; init; }

    /// <summary>
    /// A client-chosen id that makes acquisition idempotent: a retried request with the same id returns
    /// the lease the first one created instead of creating a second.
    /// </summary>
    public string? ClientRequestId { get; init; }

    /// <summary>True when the request asks for entire devices.</summary>
    public bool IsWholeDevice => WholeDevices is not null;

    /// <summary>A slice of one device: <paramref name="memoryBytes"/> plus <paramref name="computeMilli"/> of its compute.</summary>
    public static SliceRequest ForShare(long memoryBytes, int computeMilli) =>
        new() { MemoryBytes = memoryBytes, ComputeMilli = computeMilli };

    /// <summary><paramref name="count"/> entire devices on one node.</summary>
    public static SliceRequest ForDevices(int count) => new() { WholeDevices = count };

    /// <summary>Lists everything wrong with the request; empty when it is well formed.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ComputeMilli is not null && WholeDevices is not null)
        {
            errors.Add($"ComputeMilli ({ComputeMilli}) and WholeDevices ({WholeDevices}) are exclusive: ask for a share of one device or for whole devices, not both.");
        }

        if (ComputeMilli is null && WholeDevices is null)
        {
            errors.Add("Either ComputeMilli (1-1000) or WholeDevices (>= 1) must be set.");
        }

        if (ComputeMilli is { } milli && (milli < 1 || milli > FullDeviceMilli))
        {
            errors.Add($"ComputeMilli must be between 1 and {FullDeviceMilli}; got {milli}.");
        }

        if (WholeDevices is { } count && count < 1)
        {
            errors.Add($"WholeDevices must be at least 1; got {count}.");
        }

        if (MemoryBytes < 0 || (MemoryBytes == 0 && !IsWholeDevice))
        {
            errors.Add($"MemoryBytes must be positive; got {MemoryBytes}.");
        }

        if (TimeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            errors.Add($"TimeToLive must be positive; got {ttl}.");
        }

        if (WaitTimeout is { } wait && wait < TimeSpan.Zero)
        {
            errors.Add($"WaitTimeout must not be negative; got {wait}.");
        }

        if (CpuMilli < 0)
        {
            errors.Add($"CpuMilli must not be negative; got {CpuMilli}.");
        }

        if (HostMemoryBytes < 0)
        {
            errors.Add($"HostMemoryBytes must not be negative; got {HostMemoryBytes}.");
        }

        if (!Enum.IsDefined(Priority))
        {
            errors.Add($"Priority {(int)Priority} is not a defined priority.");
        }

        if (!Enum.IsDefined(Isolation))
        {
            errors.Add($"Isolation {(int)Isolation} is not a defined isolation level.");
        }

        if (ClientRequestId is { Length: > 128 })
        {
            errors.Add($"ClientRequestId is {ClientRequestId.Length} characters; at most 128 are allowed.");
        }

        if (Constraints is not null)
        {
            errors.AddRange(Constraints.Validate());
        }

        return errors;
    }

    /// <summary>Throws <see cref="InvalidPoolRequestException"/> naming every problem when the request is malformed.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidPoolRequestException("Invalid slice request: " + string.Join(" ", errors));
        }
    }
}
