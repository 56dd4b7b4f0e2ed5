namespace GpuPool.Dashboard.Views;

/// <summary>One device of one pool, every figure already in words.</summary>
internal sealed record DeviceRow
{
    public required string Pool { get; init; }

    public required string Node { get; init; }

    public required string Id { get; init; }

    public required string Model { get; init; }

    public required string Uuid { get; init; }

    public required string MemoryTotal { get; init; }

    public required string MemoryAllocated { get; init; }

    public required string MemoryUsedElsewhere { get; init; }

    public required string ComputeAllocated { get; init; }

    public required string Leases { get; init; }

    public required bool Draining { get; init; }

    public string State => Draining ? "Draining" : "Accepting leases";

    public string ActionLabel => Draining ? "Undrain" : "Drain";

    public required string ActionUrl { get; init; }

    /// <summary>The leases on the device, by id.</summary>
    public required string LeaseIds { get; init; }
}
