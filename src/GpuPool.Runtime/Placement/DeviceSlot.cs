namespace GpuPool.Runtime.Placement;

/// <summary>The allocator's live view of one device: what is still free on it.</summary>
internal sealed class DeviceSlot
{
    internal DeviceSlot(DeviceDescriptor descriptor, int node, int index)
    {
        Descriptor = descriptor;
        Node = node;
        Index = index;
        FreeMemoryBytes = descriptor.TotalMemoryBytes;
        FreeMilli = SliceRequest.FullDeviceMilli;
    }

    /// <summary>The device.</summary>
    public DeviceDescriptor Descriptor { get; }

    /// <summary>The index of the device's node in <see cref="SliceAllocator.Nodes"/>.</summary>
    public int Node { get; }

    /// <summary>The device's index within its node.</summary>
    public int Index { get; }

    /// <summary>Device memory not granted (and not used outside the pool), in bytes.</summary>
    public long FreeMemoryBytes { get; internal set; }

    /// <summary>Compute not granted, in milli-units.</summary>
    public int FreeMilli { get; internal set; }

    /// <summary>Memory that something outside the pool uses on the device (telemetry), in bytes.</summary>
    public long ExternalMemoryBytes { get; internal set; }

    /// <summary>Number of allocations on the device.</summary>
    public int Allocations { get; internal set; }

    /// <summary>True when the device takes no new allocations.</summary>
    public bool Draining { get; internal set; }

    /// <summary>True when nothing is allocated on the device.</summary>
    public bool IsEntirelyFree => Allocations == 0 && FreeMilli == SliceRequest.FullDeviceMilli;
}
