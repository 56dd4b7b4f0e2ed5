using System.Security.Cryptography;
using GpuPool.Cluster.Leasing;
using GpuPool.Runtime.Placement;

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

    /// <summary>Where the grant goes when <see cref="NodeId"/>'s devices no longer hold it (batched grants only); same memory and compute.</summary>
    public PlacementDecision? Alternative { get; init; }

    /// <summary>This plan placed on its alternative.</summary>
    public GrantPlan OnAlternative() => Alternative is { } alternative
        ? this with { NodeId = alternative.NodeId, DeviceIds = alternative.DeviceIds, Alternative = null }
        : throw new InvalidOperationException($"Grant {LeaseId} has no alternative placement.");

    /// <summary>The grant of <paramref name="request"/> where placement decided, under a new lease id.</summary>
    public static GrantPlan For(SliceRequest request, in PlacementRequest placement, string tenant, PlacementDecision decision, TimeSpan defaultTimeToLive) => new()
    {
        LeaseId = NewLeaseId(),
        Tenant = tenant,
        Request = request,
        NodeId = decision.NodeId,
        DeviceIds = decision.DeviceIds,
        MemoryBytes = placement.WholeDevices ? placement.MemoryBytes : decision.MemoryBytes,
        Milli = placement.Milli,
        WholeDevices = placement.WholeDevices,
        QuotaMemoryBytes = decision.MemoryBytes * placement.DeviceCount,
        QuotaMilli = (long)placement.Milli * placement.DeviceCount,
        TimeToLive = request.TimeToLive ?? defaultTimeToLive,
    };

    private static string NewLeaseId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return "ls_" + Convert.ToHexStringLower(bytes);
    }
}
