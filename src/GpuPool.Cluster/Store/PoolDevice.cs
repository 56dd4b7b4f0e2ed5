namespace GpuPool.Cluster.Store;

/// <summary>One device of a live node with what the live leases take of it.</summary>
internal sealed record PoolDevice(string NodeId, string NodeAddress, long NodeEpoch, DeviceDescriptor Descriptor, bool Draining, long UsedMemoryBytes, int UsedMilli, int Leases);
