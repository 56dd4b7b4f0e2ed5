namespace GpuPool.Runtime.Placement;

/// <summary>The allocator's live view of one node.</summary>
internal sealed class NodeSlot
{
    internal NodeSlot(NodeCapacity capacity, int index, DeviceSlot[] devices)
    {
        Name = capacity.Name;
        Index = index;
        Devices = devices;
        DeviceArray = devices;
        CpuMilliTotal = capacity.CpuMilli;
        HostMemoryTotal = capacity.HostMemoryBytes;
        FreeCpuMilli = capacity.CpuMilli;
        FreeHostMemoryBytes = capacity.HostMemoryBytes;
    }

    /// <summary>The node name.</summary>
    public string Name { get; }

    /// <summary>The index of the node in <see cref="SliceAllocator.Nodes"/>.</summary>
    public int Index { get; }

    /// <summary>The node's devices.</summary>
    public IReadOnlyList<DeviceSlot> Devices { get; }

    /// <summary>The node's devices as an array (no interface dispatch on hot paths).</summary>
    internal DeviceSlot[] DeviceArray { get; }

    /// <summary>Declared CPU in milli-cores (0 = not declared, not checked).</summary>
    public long CpuMilliTotal { get; }

    /// <summary>Declared host memory in bytes (0 = not declared, not checked).</summary>
    public long HostMemoryTotal { get; }

    /// <summary>CPU not granted, in milli-cores.</summary>
    public long FreeCpuMilli { get; internal set; }

    /// <summary>Host memory not granted, in bytes.</summary>
    public long FreeHostMemoryBytes { get; internal set; }

    /// <summary>Whether the node's CPU and host memory (where declared) can hold the request.</summary>
    public bool HasHostResourcesFor(in PlacementRequest request) =>
        (CpuMilliTotal == 0 || FreeCpuMilli >= request.CpuMilli)
        && (HostMemoryTotal == 0 || FreeHostMemoryBytes >= request.HostMemoryBytes);
}
