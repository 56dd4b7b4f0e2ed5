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

    /// <summary>Memory the leases' models are charged on the device plus memory used outside leases.</summary>
    public required string MemoryInUse { get; init; }

    public required string MemoryUsedElsewhere { get; init; }

    public required string ComputeAllocated { get; init; }

    /// <summary>Measured utilisation over the busy window and the busy total (the scheduler's execution time).</summary>
    public required string Busy { get; init; }

    /// <summary>The vendor's own utilisation figure (NVML), where reported.</summary>
    public required string VendorUtilization { get; init; }

    public required string Temperature { get; init; }

    public required string Power { get; init; }

    public required string Leases { get; init; }

    public required bool Draining { get; init; }

    public string State => Draining ? "Draining" : "Accepting leases";

    public string ActionLabel => Draining ? "Undrain" : "Drain";

    public required string ActionUrl { get; init; }

    /// <summary>The leases on the device, by id.</summary>
    public required string LeaseIds { get; init; }
}
