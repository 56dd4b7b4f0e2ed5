namespace GpuPool.Runtime.Placement;

/// <summary>What the allocator granted: devices of one node and the amounts taken on each.</summary>
internal sealed record Allocation
{
    /// <summary>The node's index.</summary>
    public required int Node { get; init; }

    /// <summary>The devices (indices within the node).</summary>
    public required IReadOnlyList<int> Devices { get; init; }

    /// <summary>The device descriptors, in the same order.</summary>
    public required IReadOnlyList<DeviceDescriptor> Descriptors { get; init; }

    /// <summary>Memory taken on each device, in bytes.</summary>
    public required long MemoryBytes { get; init; }

    /// <summary>Compute taken on each device, in milli-units.</summary>
    public required int Milli { get; init; }

    /// <summary>Node CPU taken, in milli-cores.</summary>
    public int CpuMilli { get; init; }

    /// <summary>Node host memory taken, in bytes.</summary>
    public long HostMemoryBytes { get; init; }
}
