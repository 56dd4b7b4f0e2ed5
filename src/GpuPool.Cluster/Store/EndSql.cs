namespace GpuPool.Cluster.Store;

/// <summary>The SQL that ends leases in batches (<see cref="ClusterLeaseStore.EndManyAsync"/>).</summary>
internal static class EndSql
{
    /// <summary>
    /// Ends several leases, each for its own reason (an expiry only when the database agrees it has expired), and
    /// wakes the servers with one notification per kind of end (and per 100 leases: a payload stays well under
    /// PostgreSQL's 8,000 bytes),
    /// <c>kind::id id …</c>, committed with the ends; returns the ids it ended (an id asked twice ends once).
    /// </summary>
    public const string EndMany = """
        WITH asked AS (
            SELECT DISTINCT ON (a.id) a.id, a.reason, a.kind FROM unnest(@ids::text[], @reasons::integer[], @kinds::text[]) AS a(id, reason, kind)),
        ended AS (
            UPDATE gpupool_leases l SET ended_at = now(), end_reason = a.reason
            FROM asked a
            WHERE l.lease_id = a.id AND l.ended_at IS NULL AND (a.reason <> 1 OR l.expires_at <= now())
            RETURNING l.lease_id, a.kind),
        announced AS (
            SELECT pg_notify('gpupool_leases', e.kind || '::' || string_agg(e.lease_id, ' '))
            FROM (SELECT lease_id, kind, (row_number() OVER (PARTITION BY kind) - 1) / 100 AS chunk FROM ended) e
            GROUP BY e.kind, e.chunk)
        SELECT e.lease_id FROM ended e CROSS JOIN (SELECT count(*) FROM announced) n
        """;
}
