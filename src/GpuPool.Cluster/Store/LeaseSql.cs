namespace GpuPool.Cluster.Store;

/// <summary>
/// The SQL of leases. A lease counts (for capacity, quotas, idempotency) while it is not ended, not expired
/// by the database's clock, and its owner is alive in the epoch it was granted under.
/// </summary>
internal static class LeaseSql
{
    private const string Columns = """
        l.lease_id, l.tenant, l.node_id, l.node_epoch, n.address, l.device_ids, l.memory_bytes, l.milli, l.cpu_milli, l.host_memory_bytes,
        l.priority, l.ttl_ms, l.granted_at, l.expires_at, l.fencing_token, l.client_request_id,
        (l.ended_at IS NULL AND l.expires_at > now() AND n.state = 'alive' AND n.epoch = l.node_epoch) AS live, l.end_reason,
        l.whole_devices, l.isolation, l.hard_cap
        """;

    private const string Live = " l.ended_at IS NULL AND l.expires_at > now() AND n.state = 'alive' AND n.epoch = l.node_epoch ";

    /// <summary>
    /// Every device of a live node, with what live leases take of it; then the node's CPU and host memory (0 = not
    /// limited) and what its live leases take of them (schema version 5), repeated on each of its devices.
    /// </summary>
    public const string Pool = """
        SELECT n.node_id, n.address, n.epoch, d.device_id, d.kind, d.vendor, d.model, d.memory_bytes, d.draining,
               coalesce(u.memory, 0), coalesce(u.milli, 0), coalesce(u.leases, 0),
               n.cpu_milli, n.host_memory_bytes, coalesce(h.cpu, 0), coalesce(h.host, 0)
        FROM gpupool_nodes n
        JOIN gpupool_devices d ON d.node_id = n.node_id
        LEFT JOIN (
            SELECT l.node_id, sum(l.cpu_milli) AS cpu, sum(l.host_memory_bytes) AS host
            FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id
            WHERE
        """ + Live + """

            GROUP BY l.node_id
        ) h ON h.node_id = n.node_id
        LEFT JOIN (
            SELECT l.node_id, dev, sum(l.memory_bytes) AS memory, sum(l.milli) AS milli, count(*) AS leases
            FROM gpupool_leases l CROSS JOIN LATERAL unnest(l.device_ids) AS dev
            JOIN gpupool_nodes n ON n.node_id = l.node_id
            WHERE
        """ + Live + """

            GROUP BY l.node_id, dev
        ) u ON u.node_id = d.node_id AND u.dev = d.device_id
        WHERE n.state = 'alive'
        ORDER BY n.node_id, d.device_id
        """;

    /// <summary>Serialises one tenant's grants (quota and idempotency checks) without blocking other tenants.</summary>
    public const string LockTenant = "SELECT pg_advisory_xact_lock(7, hashtext(@tenant))";

    /// <summary>An expired row must not hold a client request id a retry may reuse.</summary>
    public const string EndExpiredRequest = """
        UPDATE gpupool_leases SET ended_at = now(), end_reason = 1
        WHERE tenant = @tenant AND client_request_id = @request AND ended_at IS NULL AND expires_at <= now()
        """;

    public const string FindRequest = "SELECT " + Columns + """

        FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id
        WHERE l.tenant = @tenant AND l.client_request_id = @request AND
        """ + Live;

    public const string TenantUsage = """
        SELECT count(*), coalesce(sum(l.memory_bytes * cardinality(l.device_ids)), 0), coalesce(sum(l.milli::bigint * cardinality(l.device_ids)), 0)
        FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id
        WHERE l.tenant = @tenant AND
        """ + Live;

    /// <summary>The grant: writer fence, owner and device locks, capacity check and insert in one function (schema version 3; node CPU and host memory from 5).</summary>
    public const string Grant = """
        SELECT outcome, fencing_token, granted_at, expires_at, memory_bytes, node_epoch
        FROM gpupool_grant(@writer, @writer_epoch, @id, @tenant, @node, @devices, @memory, @milli, @full_milli, @cpu, @host,
                           @priority, @ttl_ms, @request, @whole, @isolation, @hard_cap, @skip_locked, @yield, @waiter)
        """;

    /// <summary>Several new grants in one call and transaction, each with its outcome (schema version 4; node CPU and host memory from 5).</summary>
    public const string GrantBatch = """
        SELECT item, alternative, outcome, fencing_token, granted_at, expires_at, memory_bytes, node_epoch
        FROM gpupool_grant_batch(@writer, @writer_epoch, @items::jsonb, @full_milli)
        """;

    /// <summary>Every live lease with what it takes (devices, then the node's CPU and host memory), for a server's view of the pool.</summary>
    public const string LiveUsage = """
        SELECT l.lease_id, l.node_id, l.device_ids, l.memory_bytes, l.milli, l.cpu_milli, l.host_memory_bytes,
               (extract(epoch FROM l.expires_at) * 1000)::bigint
        FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id
        WHERE
        """ + Live;

    /// <summary>Extends a live lease from the database's now.</summary>
    public const string Renew = """
        UPDATE gpupool_leases l SET expires_at = now() + @ttl, ttl_ms = @ttl_ms
        FROM gpupool_nodes n
        WHERE l.lease_id = @id AND n.node_id = l.node_id AND
        """ + Live + """

        RETURNING l.expires_at
        """;

    /// <summary>
    /// Ends a lease (an expiry only when the database agrees it has expired: it may have been renewed through
    /// another server) and wakes the servers, committed together.
    /// </summary>
    public const string End = """
        WITH ended AS (
        UPDATE gpupool_leases SET ended_at = now(), end_reason = @reason
        WHERE lease_id = @id AND ended_at IS NULL AND (@reason <> 1 OR expires_at <= now())
        RETURNING node_id)
        SELECT node_id, pg_notify('gpupool_leases', @kind || ':' || node_id || ':' || @id) FROM ended
        """;

    public const string Get = "SELECT " + Columns + """

        FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id
        WHERE l.lease_id = ANY(@ids)
        """;

    public const string ListLive = "SELECT " + Columns + """

        FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id
        WHERE (@tenant::text IS NULL OR l.tenant = @tenant) AND
        """ + Live + """

        ORDER BY l.fencing_token
        """;

    public const string Owned = "SELECT " + Columns + """

        FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id
        WHERE l.node_id = @node AND l.node_epoch = @epoch AND
        """ + Live;

    /// <summary>Ends what has expired by the database's clock, so that its client request id is free again.</summary>
    public const string EndExpired = "UPDATE gpupool_leases SET ended_at = now(), end_reason = 1 WHERE ended_at IS NULL AND expires_at <= now()";

    /// <summary>
    /// Deletes up to <c>@limit</c> of the leases that ended before the retention, oldest first; rows another
    /// server is deleting at the same moment are skipped, not waited for.
    /// </summary>
    public const string PurgeEnded = """
        WITH doomed AS (
            SELECT l.lease_id FROM gpupool_leases l
            WHERE l.ended_at < now() - @retention_ms * interval '1 millisecond'
            ORDER BY l.ended_at
            LIMIT @limit
            FOR UPDATE SKIP LOCKED)
        DELETE FROM gpupool_leases l USING doomed d WHERE l.lease_id = d.lease_id
        """;

    public const string SetDraining = "UPDATE gpupool_devices SET draining = @draining WHERE node_id = @node AND device_id = @device";

    public const string Notify = "SELECT pg_notify('gpupool_leases', @payload)";
}
