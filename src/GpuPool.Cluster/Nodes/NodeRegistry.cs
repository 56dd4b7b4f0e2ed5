using GpuPool.Cluster.Diagnostics;
using GpuPool.Cluster.Store;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GpuPool.Cluster.Nodes;

/// <summary>
/// Node membership in the pool's database: a node joins with a new epoch (ending what its earlier epochs
/// held), proves it is alive with heartbeats that count only for its current epoch, and declares nodes
/// silent past the grace dead, ending their leases as lost.
/// </summary>
internal sealed class NodeRegistry(NpgsqlDataSource database, ILogger logger)
{
    /// <summary>Registers the node and its devices with an epoch above any it had; it declares no CPU or host memory (not limited).</summary>
    public Task<NodeRegistration> RegisterAsync(string nodeId, string address, IReadOnlyList<DeviceDescriptor> devices, CancellationToken cancellationToken = default) =>
        RegisterAsync(new NodeCapacity(nodeId, devices), address, cancellationToken);

    /// <summary>
    /// Registers the node as its allocator sees it (<paramref name="node"/>: devices, and CPU and host memory,
    /// 0 = not limited) with an epoch above any it had. The grants check the node's CPU and host memory from then on.
    /// </summary>
    public async Task<NodeRegistration> RegisterAsync(NodeCapacity node, string address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(node.Devices);
        ArgumentOutOfRangeException.ThrowIfNegative(node.CpuMilli);
        ArgumentOutOfRangeException.ThrowIfNegative(node.HostMemoryBytes);
        var (nodeId, devices) = (node.Name, node.Devices);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var epoch = (long)(await Sql.ScalarAsync(connection, NodeSql.Register, cancellationToken, ("node", nodeId), ("address", address), ("cpu", node.CpuMilli), ("host", node.HostMemoryBytes)).ConfigureAwait(false))!;
        var ended = await Sql.ExecuteAsync(connection, NodeSql.EndEarlierEpochs, cancellationToken, ("node", nodeId), ("epoch", epoch), ("reason", (int)LeaseLostReason.ServerRestarted)).ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, NodeSql.DeleteGoneDevices, cancellationToken, ("node", nodeId), ("devices", devices.Select(d => d.Id).ToArray())).ConfigureAwait(false);
        foreach (var device in devices)
        {
            await Sql.ExecuteAsync(
                connection,
                NodeSql.UpsertDevice,
                cancellationToken,
                ("node", nodeId),
                ("device", device.Id),
                ("kind", (int)device.Kind),
                ("vendor", (int)device.Vendor),
                ("model", device.Model),
                ("memory", device.TotalMemoryBytes)).ConfigureAwait(false);
        }

        await Sql.ExecuteAsync(connection, NodeSql.Notify, cancellationToken, ("payload", PoolNotification.Payload(PoolNotification.Joined, nodeId))).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        ClusterLog.NodeRegistered(logger, nodeId, address, epoch, devices.Count, ended);
        return new NodeRegistration(nodeId, address, epoch);
    }

    /// <summary>Writes a heartbeat; <see langword="false"/> when the epoch is no longer current (the node was declared dead or started again elsewhere).</summary>
    public async Task<bool> HeartbeatAsync(NodeRegistration node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await Sql.ExecuteAsync(connection, NodeSql.Heartbeat, cancellationToken, ("node", node.NodeId), ("epoch", node.Epoch)).ConfigureAwait(false) == 1;
    }

    /// <summary>Declares every node silent for longer than <paramref name="grace"/> dead and ends its leases; returns the nodes declared dead.</summary>
    public async Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        List<string> dead = [];
        var command = Sql.Command(connection, NodeSql.DeclareDead, ("grace", grace));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                dead.Add(reader.GetString(0));
            }
        }

        if (dead.Count == 0)
        {
            return dead;
        }

        var ended = await Sql.ExecuteAsync(connection, NodeSql.EndLeasesOf, cancellationToken, ("nodes", dead.ToArray()), ("reason", (int)LeaseLostReason.NodeLost)).ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, NodeSql.Notify, cancellationToken, ("payload", PoolNotification.Dead)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        ClusterLog.NodesDeclaredDead(logger, string.Join(", ", dead), grace, ended);
        return dead;
    }
}
