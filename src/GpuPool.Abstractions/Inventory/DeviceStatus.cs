namespace GpuPool;

/// <summary>One device and how much of it is leased.</summary>
public sealed record DeviceStatus
{
    /// <summary>The device.</summary>
    public required DeviceDescriptor Device { get; init; }

    /// <summary>Memory granted to leases, in bytes.</summary>
    public long AllocatedMemoryBytes { get; init; }

    /// <summary>
    /// Memory the leases' loaded models are charged, in bytes: on the CPU device what they were measured to
    /// occupy (load, warm-up and larger runs; docs/memory.md), elsewhere the backend's estimate. A shared model
    /// counts once per lease. At most <see cref="AllocatedMemoryBytes"/>.
    /// </summary>
    public long ChargedMemoryBytes { get; init; }

    /// <summary>Memory the loaded models occupy on the device, in bytes: as <see cref="ChargedMemoryBytes"/>, but a model shared by leases counted once (and unused models kept in the cache included).</summary>
    public long ModelMemoryBytes { get; init; }

    /// <summary>Compute granted to leases, in milli-units.</summary>
    public int AllocatedMilli { get; init; }

    /// <summary>Memory used on the device by something outside the pool (from telemetry), in bytes.</summary>
    public long ExternalMemoryBytes { get; init; }

    /// <summary>Leases on the device.</summary>
    public int ActiveLeases { get; init; }

    /// <summary>True when the device takes no new leases.</summary>
    public bool Draining { get; init; }

    /// <summary>Memory still free to grant, in bytes.</summary>
    public long FreeMemoryBytes => Math.Max(0, Device.TotalMemoryBytes - AllocatedMemoryBytes - ExternalMemoryBytes);

    /// <summary>Compute still free to grant, in milli-units.</summary>
    public int FreeMilli => SliceRequest.FullDeviceMilli - AllocatedMilli;
}
