using System.Text.Json;
using GpuPool.Cluster.Nodes;
using Npgsql;

namespace GpuPool.Cluster.Store;

/// <summary>
/// The pool's queue of waiting acquires in PostgreSQL: a waiter registers its request; whichever server
/// dispatches grants the queue in order (<see cref="LeaseGrants.GrantWaiterAsync"/> marks the waiter granted
/// in the grant's own statement); the waiter takes its lease, or withdraws.
/// </summary>
internal sealed class WaiterStore(NpgsqlDataSource database)
{
    /// <summary>Puts a request at the back of its priority in the pool's queue.</summary>
    public async Task RegisterAsync(string waiterId, string tenant, SliceRequest request, NodeRegistration node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(node);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        await Sql.ExecuteAsync(
            connection,
            WaiterSql.Register,
            cancellationToken,
            ("id", waiterId),
            ("tenant", tenant),
            ("node", node.NodeId),
            ("epoch", node.Epoch),
            ("priority", (int)request.Priority),
            ("request", JsonSerializer.Serialize(request, WaiterRequestJson.Default.SliceRequest))).ConfigureAwait(false);
    }

    /// <summary>The lease the queue granted this waiter (it leaves the queue), or null while it still waits.</summary>
    public Task<string?> TakeGrantAsync(string waiterId, CancellationToken cancellationToken = default) =>
        DeleteAsync(WaiterSql.TakeGrant, waiterId, cancellationToken);

    /// <summary>Leaves the queue; returns the lease the queue granted meanwhile (the caller owns it), or null.</summary>
    public Task<string?> WithdrawAsync(string waiterId, CancellationToken cancellationToken = default) =>
        DeleteAsync(WaiterSql.Withdraw, waiterId, cancellationToken);

    /// <summary>Removes the waiters of servers that died or restarted; returns how many.</summary>
    public async Task<int> DeleteOrphansAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await Sql.ExecuteAsync(connection, WaiterSql.DeleteOrphans, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the pool's dispatch lock in the connection's transaction and reads the queue in order.</summary>
    public static async Task<IReadOnlyList<ClusterWaiter>> LockAndReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(connection, WaiterSql.LockQueue, cancellationToken).ConfigureAwait(false);
        var command = Sql.Command(connection, WaiterSql.Queue);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        List<ClusterWaiter> waiters = [];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var request = JsonSerializer.Deserialize(reader.GetString(2), WaiterRequestJson.Default.SliceRequest)!;
            waiters.Add(new ClusterWaiter(reader.GetString(0), reader.GetString(1), request));
        }

        return waiters;
    }

    private async Task<string?> DeleteAsync(string sql, string waiterId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await Sql.ScalarAsync(connection, sql, cancellationToken, ("id", waiterId)).ConfigureAwait(false) as string;
    }
}
