namespace GpuPool.Runtime.Placement;

/// <summary>One node as the allocator sees it: its devices and, where declared, its CPU and host memory.</summary>
/// <param name="Name">The node name.</param>
/// <param name="Devices">The node's devices.</param>
/// <param name="CpuMilli">CPU in milli-cores; 0 when the node does not declare it (then it is not checked).</param>
/// <param name="HostMemoryBytes">Host memory in bytes; 0 when the node does not declare it.</param>
internal sealed record NodeCapacity(string Name, IReadOnlyList<DeviceDescriptor> Devices, long CpuMilli = 0, long HostMemoryBytes = 0);
