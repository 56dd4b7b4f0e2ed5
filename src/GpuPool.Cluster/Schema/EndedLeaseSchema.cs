namespace GpuPool.Cluster.Schema;

/// <summary>
/// Schema version 7: ended leases are found by when they ended, so that they can be deleted once the retention
/// has passed (<see cref="ClusterOptions.EndedLeaseRetention"/>) without reading the whole table. Before this, every
/// lease ever granted stayed in <c>gpupool_leases</c>: at a few thousand leases a second that is hundreds of millions
/// of rows a day. The index only holds ended rows (live ones are found through the version 1 indexes). Built
/// without <c>CONCURRENTLY</c> (a migration is one transaction), so the upgrade holds grants back while it builds.
/// </summary>
internal static class EndedLeaseSchema
{
    /// <summary>The migration from version 6 to 7.</summary>
    public const string Migration = """
        CREATE INDEX gpupool_leases_ended ON gpupool_leases (ended_at) WHERE ended_at IS NOT NULL;
        """;
}
