namespace GpuPool.Runtime.Placement;

/// <summary>
/// What the allocator places: per-device memory and compute on one device (a share) or on
/// <see cref="DeviceCount"/> entirely free devices of one node, plus node-level CPU and host memory.
/// </summary>
internal readonly record struct PlacementRequest
{
    /// <summary>Device memory per device, in bytes; for whole devices 0 takes all of each device's memory.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Compute per device, in milli-units (1000 for whole devices).</summary>
    public int Milli { get; init; }

    /// <summary>How many devices (1 for a share).</summary>
    public int DeviceCount { get; init; }

    /// <summary>True when the request needs entirely free devices.</summary>
    public bool WholeDevices { get; init; }

    /// <summary>Node CPU in milli-cores.</summary>
    public int CpuMilli { get; init; }

    /// <summary>Node host memory in bytes.</summary>
    public long HostMemoryBytes { get; init; }

    /// <summary>Device constraints, or <see langword="null"/> for any device.</summary>
    public DeviceConstraints? Constraints { get; init; }

    /// <summary>Translates a validated <see cref="SliceRequest"/>.</summary>
    public static PlacementRequest From(SliceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.WholeDevices is { } count
            ? new PlacementRequest
            {
                MemoryBytes = request.MemoryBytes,
                Milli = SliceRequest.FullDeviceMilli,
                DeviceCount = count,
                WholeDevices = true,
                CpuMilli = request.CpuMilli,
                HostMemoryBytes = request.HostMemoryBytes,
                Constraints = request.Constraints,
            }
            : new PlacementRequest
            {
                MemoryBytes = request.MemoryBytes,
                Milli = request.ComputeMilli ?? SliceRequest.FullDeviceMilli,
                DeviceCount = 1,
                CpuMilli = request.CpuMilli,
                HostMemoryBytes = request.HostMemoryBytes,
                Constraints = request.Constraints,
            };
    }
}
