namespace GpuPool.Cluster.Store;

/// <summary>What a server decided to grant: the request, the tenant, and where placement put it.</summary>
internal sealed record GrantPlan
{
    public required string LeaseId { get; init; }

    public required string Tenant { get; init; }

    public required SliceRequest Request { get; init; }

    public required string NodeId { get; init; }

    public required IReadOnlyList<string> DeviceIds { get; init; }

    /// <summary>Memory per device; for whole devices 0 means all of each device's memory.</summary>
    public required long MemoryBytes { get; init; }

    public required int Milli { get; init; }

    public required bool WholeDevices { get; init; }

    /// <summary>Memory and compute over all devices, for the tenant's quota.</summary>
    public required long QuotaMemoryBytes { get; init; }

    public required long QuotaMilli { get; init; }

    public required TimeSpan TimeToLive { get; init; }
}
