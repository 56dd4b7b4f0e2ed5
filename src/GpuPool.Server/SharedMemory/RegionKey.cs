namespace GpuPool.Server.SharedMemory;

/// <summary>A region's identity: the lease that registered it and its name there.</summary>
internal readonly record struct RegionKey(string LeaseId, string Name);
