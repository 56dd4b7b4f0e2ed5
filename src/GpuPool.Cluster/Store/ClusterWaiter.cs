namespace GpuPool.Cluster.Store;

/// <summary>A waiting acquire in the pool's queue, in the order it is served.</summary>
internal sealed record ClusterWaiter(string WaiterId, string Tenant, SliceRequest Request);
