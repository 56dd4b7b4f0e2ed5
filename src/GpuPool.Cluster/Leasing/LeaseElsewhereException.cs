namespace GpuPool.Cluster.Leasing;

/// <summary>A call for a lease that another node owns: the caller must go to that node (no proxy hop).</summary>
internal sealed class LeaseElsewhereException(string leaseId, string nodeId, string address)
    : Exception($"Lease {leaseId} is served by node {nodeId} at {address}; send its model calls there.")
{
    public string NodeId { get; } = nodeId;

    public string Address { get; } = address;
}
