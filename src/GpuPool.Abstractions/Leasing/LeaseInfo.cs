namespace GpuPool;

/// <summary>A snapshot of one lease as the pool sees it.</summary>
public sealed record LeaseInfo
{
    /// <summary>The lease id (unguessable).</summary>
    public required string Id { get; init; }

    /// <summary>The tenant that holds it (empty in the embedded pool).</summary>
    public string Tenant { get; init; } = "";

    /// <summary>The devices the slice is on (one for a share, several for whole devices).</summary>
    public required IReadOnlyList<DeviceDescriptor> Devices { get; init; }

    /// <summary>Granted device memory in bytes (per device).</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Granted compute share in milli-units (per device).</summary>
    public int ComputeMilli { get; init; }

    /// <summary>Memory the lease's models use now, in bytes.</summary>
    public long MemoryUsedBytes { get; init; }

    /// <summary>The lease's priority.</summary>
    public LeasePriority Priority { get; init; }

    /// <summary>Whether the lease's models run in a worker process.</summary>
    public LeaseIsolation Isolation { get; init; }

    /// <summary>Whether the scheduler caps the lease at its share.</summary>
    public bool HardCap { get; init; }

    /// <summary>When the lease was granted.</summary>
    public DateTimeOffset GrantedAt { get; init; }

    /// <summary>When the lease expires unless renewed.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The fencing token: grows every time a slice is granted, so stale holders can be told apart.</summary>
    public long FencingToken { get; init; }
}
