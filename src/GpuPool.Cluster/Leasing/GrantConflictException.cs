namespace GpuPool.Cluster.Leasing;

/// <summary>Another server took the capacity placement chose before this grant could lock it: place again.</summary>
internal sealed class GrantConflictException(string message) : Exception(message);
