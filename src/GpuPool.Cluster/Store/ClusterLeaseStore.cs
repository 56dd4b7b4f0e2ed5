using GpuPool.Cluster.Nodes;
using GpuPool.Runtime.Leasing;
using Npgsql;

namespace GpuPool.Cluster.Store;

/// <summary>
/// The pool's leases in PostgreSQL apart from grants (<see cref="LeaseGrants"/>): renewals, ends, and the reads
/// placement and the nodes need. Every decision that must be atomic is one statement.
/// </summary>
internal sealed class ClusterLeaseStore(NpgsqlDataSource database)
{
    /// <summary>Every device of every live node, with what live leases take of it.</summary>
    public async Task<IReadOnlyList<PoolDevice>> ReadPoolAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await ReadPoolAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The pool's devices as the connection's transaction sees them (its own grants included).</summary>
    public static async Task<IReadOnlyList<PoolDevice>> ReadPoolAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = Sql.Command(connection, LeaseSql.Pool);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        List<PoolDevice> devices = [];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            devices.Add(LeaseReader.ReadDevice(reader));
        }

        return devices;
    }

    /// <summary>The pool's devices, read synchronously (the operator's inventory call is synchronous).</summary>
    public IReadOnlyList<PoolDevice> ReadPool()
    {
        using var connection = database.OpenConnection();
        using var command = Sql.Command(connection, LeaseSql.Pool);
        using var reader = command.ExecuteReader();
        List<PoolDevice> devices = [];
        while (reader.Read())
        {
            devices.Add(LeaseReader.ReadDevice(reader));
        }

        return devices;
    }

    /// <summary>Every live lease, or one tenant's, read synchronously.</summary>
    public IReadOnlyList<ClusterLease> ListLive(string? tenant)
    {
        using var connection = database.OpenConnection();
        using var command = Sql.Command(connection, LeaseSql.ListLive, ("tenant", (object?)tenant ?? DBNull.Value));
        using var reader = command.ExecuteReader();
        List<ClusterLease> leases = [];
        while (reader.Read())
        {
            leases.Add(LeaseReader.Read(reader));
        }

        return leases;
    }

    /// <summary>Stops (or resumes) new grants on a device pool-wide; false for an unknown device.</summary>
    public bool SetDraining(string node, string deviceId, bool draining)
    {
        using var connection = database.OpenConnection();
        using var command = Sql.Command(connection, LeaseSql.SetDraining, ("node", node), ("device", deviceId), ("draining", draining));
        var changed = command.ExecuteNonQuery() == 1;
        if (changed && !draining)
        {
            using var notify = Sql.Command(connection, LeaseSql.Notify, ("payload", PoolNotification.Payload(PoolNotification.Ended, node)));
            notify.ExecuteNonQuery();
        }

        return changed;
    }

    /// <summary>Extends a live lease by <paramref name="timeToLive"/> from the database's now; null when it no longer counts.</summary>
    public async Task<DateTimeOffset?> RenewAsync(string leaseId, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var expires = await Sql.ScalarAsync(connection, LeaseSql.Renew, cancellationToken, ("id", leaseId), ("ttl", timeToLive), ("ttl_ms", (long)timeToLive.TotalMilliseconds)).ConfigureAwait(false);
        return expires is DateTime utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : null;
    }

    /// <summary>Ends a lease and wakes the servers, in one statement; false when it had already ended (or, for an expiry, when the database says it has not expired).</summary>
    public async Task<bool> EndAsync(string leaseId, LeaseLostReason reason, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var kind = reason == LeaseLostReason.Released ? PoolNotification.Released : PoolNotification.Ended;
        return await Sql.ScalarAsync(connection, LeaseSql.End, cancellationToken, ("id", leaseId), ("reason", (int)reason), ("kind", kind)).ConfigureAwait(false) is string;
    }

    /// <summary>
    /// Ends several leases in one statement (each for its reason, as <see cref="EndAsync"/> ends one) and wakes the
    /// servers (one notification per kind of end, naming every lease it ended); returns, per item, whether this call ended it (an id asked twice ends once).
    /// </summary>
    public async Task<IReadOnlyList<bool>> EndManyAsync(IReadOnlyList<(string LeaseId, LeaseLostReason Reason)> ends, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ends);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = Sql.Command(
            connection,
            EndSql.EndMany,
            ("ids", ends.Select(e => e.LeaseId).ToArray()),
            ("reasons", ends.Select(e => (int)e.Reason).ToArray()),
            ("kinds", ends.Select(e => e.Reason == LeaseLostReason.Released ? PoolNotification.Released : PoolNotification.Ended).ToArray()));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var ended = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ended.Add(reader.GetString(0));
        }

        return [.. ends.Select(e => ended.Remove(e.LeaseId))];
    }

    /// <summary>The pool's devices and every live lease's usage, read in one round trip (a server's view of the pool).</summary>
    public async Task<(IReadOnlyList<PoolDevice> Devices, IReadOnlyList<LiveLeaseUsage> Leases)> ReadUsageAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var batch = new NpgsqlBatch(connection) { BatchCommands = { Sql.BatchCommand(LeaseSql.Pool), Sql.BatchCommand(LeaseSql.LiveUsage) } };
        await using var batchScope = batch.ConfigureAwait(false);
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        List<PoolDevice> devices = [];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            devices.Add(LeaseReader.ReadDevice(reader));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        List<LiveLeaseUsage> leases = [];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            leases.Add(new LiveLeaseUsage(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetInt64(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetInt64(6), reader.GetInt64(7)));
        }

        return (devices, leases);
    }

    /// <summary>The rows of the given leases, live or not.</summary>
    public async Task<IReadOnlyList<ClusterLease>> GetAsync(IReadOnlyCollection<string> leaseIds, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await LeaseReader.ReadAllAsync(connection, LeaseSql.Get, cancellationToken, ("ids", leaseIds.ToArray())).ConfigureAwait(false);
    }

    /// <summary>One lease's row, or null when the pool never granted it.</summary>
    public ClusterLease? Get(string leaseId)
    {
        using var connection = database.OpenConnection();
        using var command = Sql.Command(connection, LeaseSql.Get, ("ids", new[] { leaseId }));
        using var reader = command.ExecuteReader();
        return reader.Read() ? LeaseReader.Read(reader) : null;
    }

    /// <summary>The live leases a node owns in its current epoch.</summary>
    public async Task<IReadOnlyList<ClusterLease>> ListOwnedAsync(NodeRegistration node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await LeaseReader.ReadAllAsync(connection, LeaseSql.Owned, cancellationToken, ("node", node.NodeId), ("epoch", node.Epoch)).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes at most <paramref name="limit"/> leases that ended longer than <paramref name="retention"/> ago (by the
    /// database's clock), oldest first; returns how many.
    /// </summary>
    public async Task<int> PurgeEndedAsync(TimeSpan retention, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await Sql.ExecuteAsync(connection, LeaseSql.PurgeEnded, cancellationToken, ("retention_ms", (long)retention.TotalMilliseconds), ("limit", limit)).ConfigureAwait(false);
    }

    /// <summary>Ends leases expired by the database's clock; returns how many.</summary>
    public async Task<int> EndExpiredAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await Sql.ExecuteAsync(connection, LeaseSql.EndExpired, cancellationToken).ConfigureAwait(false);
    }
}
