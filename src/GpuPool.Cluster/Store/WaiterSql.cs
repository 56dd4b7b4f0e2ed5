namespace GpuPool.Cluster.Store;

/// <summary>
/// The SQL of the pool's queue of waiting acquires. A waiter counts while it has no lease yet and the server
/// it waits on is alive in the epoch it registered under.
/// </summary>
internal static class WaiterSql
{
    public const string Register = """
        INSERT INTO gpupool_waiters (waiter_id, tenant, node_id, node_epoch, priority, request)
        VALUES (@id, @tenant, @node, @epoch, @priority, @request::jsonb)
        """;

    /// <summary>Serialises dispatches pool-wide: one server at a time grants the queue in order.</summary>
    public const string LockQueue = "SELECT pg_advisory_xact_lock(8, 0)";

    /// <summary>The waiting requests in the order they are served: priority, then arrival.</summary>
    public const string Queue = """
        SELECT w.waiter_id, w.tenant, w.request::text
        FROM gpupool_waiters w JOIN gpupool_nodes n ON n.node_id = w.node_id AND n.epoch = w.node_epoch AND n.state = 'alive'
        WHERE w.lease_id IS NULL
        ORDER BY w.priority DESC, w.arrival
        """;

    /// <summary>Takes the waiter's lease if the queue granted it one (the row goes with it).</summary>
    public const string TakeGrant = "DELETE FROM gpupool_waiters WHERE waiter_id = @id AND lease_id IS NOT NULL RETURNING lease_id";

    /// <summary>Leaves the queue; returns the lease the queue granted meanwhile, if any (the caller then owns it).</summary>
    public const string Withdraw = "DELETE FROM gpupool_waiters WHERE waiter_id = @id RETURNING lease_id";

    /// <summary>Waiters whose server died or restarted wait no more.</summary>
    public const string DeleteOrphans = """
        DELETE FROM gpupool_waiters w USING gpupool_nodes n
        WHERE n.node_id = w.node_id AND (n.epoch <> w.node_epoch OR n.state <> 'alive')
        """;
}
