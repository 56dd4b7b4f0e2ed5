namespace GpuPool.Cluster.Nodes;

/// <summary>The SQL of node membership: registration with a new epoch, heartbeats checked against the epoch, death by silence.</summary>
internal static class NodeSql
{
    /// <summary>Joins (or rejoins) with an epoch one above any the node ever had, and the CPU and host memory it declares now (schema version 5).</summary>
    public const string Register = """
        INSERT INTO gpupool_nodes (node_id, address, epoch, state, heartbeat_at, started_at, cpu_milli, host_memory_bytes)
        VALUES (@node, @address, 1, 'alive', now(), now(), @cpu, @host)
        ON CONFLICT (node_id) DO UPDATE
            SET address = EXCLUDED.address, epoch = gpupool_nodes.epoch + 1, state = 'alive', heartbeat_at = now(), started_at = now(),
                cpu_milli = EXCLUDED.cpu_milli, host_memory_bytes = EXCLUDED.host_memory_bytes
        RETURNING epoch
        """;

    /// <summary>Ends what the node's earlier epochs held: the restarted node no longer has it.</summary>
    public const string EndEarlierEpochs = """
        UPDATE gpupool_leases SET ended_at = now(), end_reason = @reason
        WHERE node_id = @node AND node_epoch < @epoch AND ended_at IS NULL
        """;

    public const string DeleteGoneDevices = "DELETE FROM gpupool_devices WHERE node_id = @node AND NOT (device_id = ANY(@devices))";

    public const string UpsertDevice = """
        INSERT INTO gpupool_devices (node_id, device_id, kind, vendor, model, memory_bytes)
        VALUES (@node, @device, @kind, @vendor, @model, @memory)
        ON CONFLICT (node_id, device_id) DO UPDATE
            SET kind = EXCLUDED.kind, vendor = EXCLUDED.vendor, model = EXCLUDED.model, memory_bytes = EXCLUDED.memory_bytes
        """;

    /// <summary>The fenced heartbeat: counts only for the current epoch of a live node.</summary>
    public const string Heartbeat = "UPDATE gpupool_nodes SET heartbeat_at = now() WHERE node_id = @node AND epoch = @epoch AND state = 'alive'";

    /// <summary>Declares nodes silent past the grace dead (row-locking them, so a grant on them in flight commits first).</summary>
    public const string DeclareDead = """
        UPDATE gpupool_nodes SET state = 'dead'
        WHERE state = 'alive' AND heartbeat_at < now() - @grace
        RETURNING node_id
        """;

    /// <summary>Ends every lease of the dead nodes as lost.</summary>
    public const string EndLeasesOf = """
        UPDATE gpupool_leases SET ended_at = now(), end_reason = @reason
        WHERE node_id = ANY(@nodes) AND ended_at IS NULL
        """;

    /// <summary>Wakes the servers: leases ended or capacity changed.</summary>
    public const string Notify = "SELECT pg_notify('gpupool_leases', @payload)";
}
