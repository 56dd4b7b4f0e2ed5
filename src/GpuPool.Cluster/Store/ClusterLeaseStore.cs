using GpuPool.Cluster.Nodes;
using GpuPool.Runtime.Leasing;
using Npgsql;

namespace GpuPool.Cluster.Store;

/// <summary>
/// The pool's leases in PostgreSQL: the grant transaction that re-checks capacity under row locks, renewals,
/// ends, and the reads placement and the nodes need. Every decision that must be atomic is one transaction.
/// </summary>
internal sealed class ClusterLeaseStore(NpgsqlDataSource database, ITenantQuotaPolicy? quotas = null)
{
    /// <summary>Every device of every live node, with what live leases take of it.</summary>
    public async Task<IReadOnlyList<PoolDevice>> ReadPoolAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
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
            using var notify = Sql.Command(connection, LeaseSql.Notify, ("payload", "freed:" + node));
            notify.ExecuteNonQuery();
        }

        return changed;
    }

    /// <summary>Commits a grant in one transaction: tenant quota and idempotency under the tenant's lock, capacity under the devices' row locks.</summary>
    public async Task<GrantOutcome> GrantAsync(NodeRegistration writer, GrantPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(plan);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var quotaBound = quotas is not null && !Unlimited(plan);
        if (quotaBound || plan.Request.ClientRequestId is not null)
        {
            // Only what the tenant's quota or request id depends on is serialised per tenant; an unlimited
            // tenant's grants without a request id contend only on the devices they take.
            await Sql.ExecuteAsync(connection, LeaseSql.LockTenant, cancellationToken, ("tenant", plan.Tenant)).ConfigureAwait(false);
        }

        if ((long)(await Sql.ScalarAsync(connection, LeaseSql.WriterCurrent, cancellationToken, ("node", writer.NodeId), ("epoch", writer.Epoch)).ConfigureAwait(false))! == 0)
        {
            return new GrantOutcome(GrantOutcomeKind.WriterFenced, Message: $"Node {writer.NodeId} epoch {writer.Epoch} is no longer current.");
        }

        if (plan.Request.ClientRequestId is { } requestId)
        {
            await Sql.ExecuteAsync(connection, LeaseSql.EndExpiredRequest, cancellationToken, ("tenant", plan.Tenant), ("request", requestId)).ConfigureAwait(false);
            var existing = await ReadLeasesAsync(connection, LeaseSql.FindRequest, cancellationToken, ("tenant", plan.Tenant), ("request", requestId)).ConfigureAwait(false);
            if (existing.Count > 0)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new GrantOutcome(GrantOutcomeKind.Existing, existing[0]);
            }
        }

        if (quotaBound && await QuotaRefusalAsync(connection, plan, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return new GrantOutcome(GrantOutcomeKind.QuotaRefused, Message: refusal);
        }

        // One round trip: the owner's share lock (and epoch), the devices' row locks, then what they hold.
        var (epoch, memory) = await LockAndCheckAsync(connection, plan, cancellationToken).ConfigureAwait(false);
        if (epoch < 0)
        {
            return new GrantOutcome(GrantOutcomeKind.Conflict, Message: $"Node {plan.NodeId} is not alive.");
        }

        if (memory < 0)
        {
            return new GrantOutcome(GrantOutcomeKind.Conflict, Message: $"The devices chosen on {plan.NodeId} no longer hold the request.");
        }

        var insert = Sql.Command(
            connection,
            LeaseSql.Insert,
            ("id", plan.LeaseId),
            ("tenant", plan.Tenant),
            ("node", plan.NodeId),
            ("epoch", epoch),
            ("devices", plan.DeviceIds.ToArray()),
            ("memory", memory),
            ("milli", plan.Milli),
            ("cpu", plan.Request.CpuMilli),
            ("host", plan.Request.HostMemoryBytes),
            ("priority", (int)plan.Request.Priority),
            ("ttl_ms", (long)plan.TimeToLive.TotalMilliseconds),
            ("ttl", plan.TimeToLive),
            ("request", (object?)plan.Request.ClientRequestId ?? DBNull.Value),
            ("whole", plan.WholeDevices),
            ("isolation", (int)plan.Request.Isolation),
            ("hard_cap", plan.Request.HardCap),
            ("payload", "granted:" + plan.NodeId));
        await using var insertScope = insert.ConfigureAwait(false);
        var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var lease = new ClusterLease
            {
                LeaseId = plan.LeaseId,
                Tenant = plan.Tenant,
                NodeId = plan.NodeId,
                NodeEpoch = epoch,
                NodeAddress = "",
                DeviceIds = plan.DeviceIds,
                MemoryBytes = memory,
                Milli = plan.Milli,
                CpuMilli = plan.Request.CpuMilli,
                HostMemoryBytes = plan.Request.HostMemoryBytes,
                Priority = (int)plan.Request.Priority,
                TimeToLive = plan.TimeToLive,
                FencingToken = reader.GetInt64(0),
                GrantedAt = reader.GetFieldValue<DateTimeOffset>(1),
                ExpiresAt = reader.GetFieldValue<DateTimeOffset>(2),
                ClientRequestId = plan.Request.ClientRequestId,
                WholeDevices = plan.WholeDevices,
                Isolation = plan.Request.Isolation,
                HardCap = plan.Request.HardCap,
                IsLive = true,
            };
            await reader.DisposeAsync().ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new GrantOutcome(GrantOutcomeKind.Granted, lease);
        }
    }

    /// <summary>Extends a live lease by <paramref name="timeToLive"/> from the database's now; null when it no longer counts.</summary>
    public async Task<DateTimeOffset?> RenewAsync(string leaseId, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var expires = await Sql.ScalarAsync(connection, LeaseSql.Renew, cancellationToken, ("id", leaseId), ("ttl", timeToLive), ("ttl_ms", (long)timeToLive.TotalMilliseconds)).ConfigureAwait(false);
        return expires is DateTime utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : null;
    }

    /// <summary>Ends a lease; false when it had already ended (or, for an expiry, when the database says it has not expired).</summary>
    public async Task<bool> EndAsync(string leaseId, LeaseLostReason reason, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        if (await Sql.ScalarAsync(connection, LeaseSql.End, cancellationToken, ("id", leaseId), ("reason", (int)reason)).ConfigureAwait(false) is not string node)
        {
            return false;
        }

        await Sql.ExecuteAsync(connection, LeaseSql.Notify, cancellationToken, ("payload", "freed:" + node)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The rows of the given leases, live or not.</summary>
    public async Task<IReadOnlyList<ClusterLease>> GetAsync(IReadOnlyCollection<string> leaseIds, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await ReadLeasesAsync(connection, LeaseSql.Get, cancellationToken, ("ids", leaseIds.ToArray())).ConfigureAwait(false);
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
        return await ReadLeasesAsync(connection, LeaseSql.Owned, cancellationToken, ("node", node.NodeId), ("epoch", node.Epoch)).ConfigureAwait(false);
    }

    /// <summary>Ends leases expired by the database's clock; returns how many.</summary>
    public async Task<int> EndExpiredAsync(CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await Sql.ExecuteAsync(connection, LeaseSql.EndExpired, cancellationToken).ConfigureAwait(false);
    }

    // A tenant whose quota allows this request on top of any usage has no quota to check.
    private bool Unlimited(GrantPlan plan) =>
        quotas!.Check(plan.Tenant, plan.Request, plan.QuotaMemoryBytes, plan.QuotaMilli, new TenantUsage(int.MaxValue / 4, long.MaxValue / 4, long.MaxValue / 4)) is null;

    private async Task<string?> QuotaRefusalAsync(NpgsqlConnection connection, GrantPlan plan, CancellationToken cancellationToken)
    {
        var command = Sql.Command(connection, LeaseSql.TenantUsage, ("tenant", plan.Tenant));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var usage = new TenantUsage((int)reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        return quotas!.Check(plan.Tenant, plan.Request, plan.QuotaMemoryBytes, plan.QuotaMilli, usage);
    }

    /// <summary>
    /// Locks the owner (share) and the chosen devices (update) and checks the devices again; returns the owner's
    /// epoch (-1 when it is not alive) and the memory per device to record (-1 when they cannot hold it).
    /// </summary>
    private static async Task<(long Epoch, long Memory)> LockAndCheckAsync(NpgsqlConnection connection, GrantPlan plan, CancellationToken cancellationToken)
    {
        var devices = plan.DeviceIds.ToArray();
        var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Sql.BatchCommand(LeaseSql.LockTimeout),
                Sql.BatchCommand(LeaseSql.LockOwner, ("node", plan.NodeId)),
                Sql.BatchCommand(LeaseSql.LockDevices, ("node", plan.NodeId), ("devices", devices)),
                Sql.BatchCommand(LeaseSql.DeviceUsage, ("node", plan.NodeId), ("devices", devices)),
            },
        };
        await using var batchScope = batch.ConfigureAwait(false);
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var epoch = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetInt64(0) : -1;
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.GetBoolean(2))
            {
                total[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var used = new Dictionary<string, (long Memory, long Milli, long Leases)>(StringComparer.Ordinal);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            used[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        return (epoch, epoch < 0 || total.Count != devices.Length ? -1 : Fits(plan, total, used));
    }

    private static long Fits(GrantPlan plan, Dictionary<string, long> total, Dictionary<string, (long Memory, long Milli, long Leases)> used)
    {
        var memory = plan.WholeDevices && plan.MemoryBytes == 0 ? total.Values.Min() : plan.MemoryBytes;
        foreach (var (device, capacity) in total)
        {
            var (usedMemory, usedMilli, leases) = used.GetValueOrDefault(device);
            var fits = plan.WholeDevices
                ? leases == 0 && memory <= capacity
                : usedMemory + memory <= capacity && usedMilli + plan.Milli <= SliceRequest.FullDeviceMilli;
            if (!fits)
            {
                return -1;
            }
        }

        return memory;
    }

    private static async Task<IReadOnlyList<ClusterLease>> ReadLeasesAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var command = Sql.Command(connection, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        List<ClusterLease> leases = [];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            leases.Add(LeaseReader.Read(reader));
        }

        return leases;
    }
}
