namespace GpuPool.Cluster.Nodes;

/// <summary>A node's identity for one incarnation: every write it makes is checked against this epoch.</summary>
/// <param name="NodeId">The node id.</param>
/// <param name="Address">The address clients reach it at.</param>
/// <param name="Epoch">The epoch of this start; a higher one makes this one stale.</param>
internal sealed record NodeRegistration(string NodeId, string Address, long Epoch);
