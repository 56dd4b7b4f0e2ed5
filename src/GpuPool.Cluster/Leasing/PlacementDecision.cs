namespace GpuPool.Cluster.Leasing;

/// <summary>Where placement put a request: the node, its devices, the memory per device.</summary>
internal sealed record PlacementDecision(string NodeId, IReadOnlyList<string> DeviceIds, long MemoryBytes);
