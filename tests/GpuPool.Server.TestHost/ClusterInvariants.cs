using Npgsql;

namespace GpuPool.Server.TestHost;

/// <summary>What must hold in a pool's database at every moment, checked from its rows (for the cluster tests and benchmarks).</summary>
public static class ClusterInvariants
{
    /// <summary>Devices whose live leases take more memory than the device has, or more than the whole device's compute.</summary>
    public const string OverCommittedDevices = """
        SELECT count(*) FROM (
            SELECT l.node_id, dev, sum(l.memory_bytes) AS memory, sum(l.milli) AS milli
            FROM gpupool_leases l CROSS JOIN LATERAL unnest(l.device_ids) AS dev
            JOIN gpupool_nodes n ON n.node_id = l.node_id AND n.epoch = l.node_epoch AND n.state = 'alive'
            WHERE l.ended_at IS NULL AND l.expires_at > now()
            GROUP BY l.node_id, dev) u
        JOIN gpupool_devices d ON d.node_id = u.node_id AND d.device_id = u.dev
        WHERE u.memory > d.memory_bytes OR u.milli > 1000
        """;

    /// <summary>How many devices are over-committed now (0 when the invariant holds).</summary>
    public static async Task<int> OverCommittedAsync(NpgsqlDataSource database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var command = database.CreateCommand(OverCommittedDevices);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
