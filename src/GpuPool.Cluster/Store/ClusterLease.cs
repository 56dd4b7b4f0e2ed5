namespace GpuPool.Cluster.Store;

/// <summary>One lease row of the pool's database.</summary>
internal sealed record ClusterLease
{
    public required string LeaseId { get; init; }

    public required string Tenant { get; init; }

    /// <summary>The node that owns the lease (serves its models).</summary>
    public required string NodeId { get; init; }

    /// <summary>The owner's epoch when it was granted; the lease lives only while the owner is alive in that epoch.</summary>
    public required long NodeEpoch { get; init; }

    /// <summary>The owner's advertised address.</summary>
    public required string NodeAddress { get; init; }

    public required IReadOnlyList<string> DeviceIds { get; init; }

    /// <summary>Memory per device, in bytes.</summary>
    public required long MemoryBytes { get; init; }

    /// <summary>Compute per device, in milli-units.</summary>
    public required int Milli { get; init; }

    public int CpuMilli { get; init; }

    public long HostMemoryBytes { get; init; }

    public required int Priority { get; init; }

    /// <summary>Whether the lease holds whole devices.</summary>
    public bool WholeDevices { get; init; }

    public LeaseIsolation Isolation { get; init; }

    public bool HardCap { get; init; }

    public required TimeSpan TimeToLive { get; init; }

    public required DateTimeOffset GrantedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required long FencingToken { get; init; }

    public string? ClientRequestId { get; init; }

    /// <summary>Whether it counts now: not ended, not expired, its owner alive in the lease's epoch.</summary>
    public required bool IsLive { get; init; }

    /// <summary>Why it ended, once ended (<see cref="LeaseLostReason.None"/> while live).</summary>
    public LeaseLostReason EndReason { get; init; }

    /// <summary>The request as the owner serves it.</summary>
    public SliceRequest ToRequest() => new()
    {
        MemoryBytes = MemoryBytes,
        ComputeMilli = WholeDevices ? null : Milli,
        WholeDevices = WholeDevices ? DeviceIds.Count : null,
        Priority = (LeasePriority)Priority,
        TimeToLive = TimeToLive,
        Isolation = Isolation,
        HardCap = HardCap,
        CpuMilli = CpuMilli,
        HostMemoryBytes = HostMemoryBytes,
        ClientRequestId = ClientRequestId,
    };
}
