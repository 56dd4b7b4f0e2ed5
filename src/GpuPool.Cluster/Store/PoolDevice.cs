namespace GpuPool.Cluster.Store;

/// <summary>
/// One device of a live node with what the live leases take of it; and its node's CPU and host memory (0 = not
/// limited) with what the node's live leases take of them (the same on every device of the node).
/// </summary>
internal sealed record PoolDevice(
    string NodeId,
    string NodeAddress,
    long NodeEpoch,
    DeviceDescriptor Descriptor,
    bool Draining,
    long UsedMemoryBytes,
    int UsedMilli,
    int Leases,
    long NodeCpuMilli = 0,
    long NodeHostMemoryBytes = 0,
    long NodeUsedCpuMilli = 0,
    long NodeUsedHostMemoryBytes = 0);
