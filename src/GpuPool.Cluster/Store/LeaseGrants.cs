using GpuPool.Cluster.Nodes;
using GpuPool.Runtime.Leasing;
using Npgsql;

namespace GpuPool.Cluster.Store;

/// <summary>
/// Commits grants: the capacity check under the devices' row locks and the insert run as one server-side
/// function (<c>gpupool_grant</c>, one round trip, locks held only while it runs). A grant that depends on the
/// tenant (its quota, or an earlier try of the same client request) first takes the tenant's lock in the same
/// transaction.
/// </summary>
internal sealed class LeaseGrants(NpgsqlDataSource database, ITenantQuotaPolicy? quotas = null)
{
    /// <summary>
    /// Commits a new request's grant in one transaction: tenant quota and idempotency under the tenant's lock,
    /// capacity under the devices' row locks; never ahead of a queued waiter of its priority or above
    /// (<see cref="GrantOutcomeKind.Yielded"/>). With <paramref name="skipLocked"/>, a grant that does not depend
    /// on the tenant does not queue behind another on a device: it answers <see cref="GrantOutcomeKind.Busy"/>.
    /// </summary>
    public async Task<GrantOutcome> GrantAsync(NodeRegistration writer, GrantPlan plan, bool skipLocked = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(plan);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var quotaBound = quotas is not null && !Unlimited(plan);
        if (!quotaBound && plan.Request.ClientRequestId is null)
        {
            // An unlimited tenant's grant without a request id contends only on the devices it takes: one statement.
            return await CommitAsync(connection, writer, plan, new(skipLocked, Yield: true, WaiterId: null), cancellationToken).ConfigureAwait(false);
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        await Sql.ExecuteAsync(connection, LeaseSql.LockTenant, cancellationToken, ("tenant", plan.Tenant)).ConfigureAwait(false);
        if (plan.Request.ClientRequestId is { } requestId)
        {
            await Sql.ExecuteAsync(connection, LeaseSql.EndExpiredRequest, cancellationToken, ("tenant", plan.Tenant), ("request", requestId)).ConfigureAwait(false);
            var existing = await LeaseReader.ReadAllAsync(connection, LeaseSql.FindRequest, cancellationToken, ("tenant", plan.Tenant), ("request", requestId)).ConfigureAwait(false);
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

        var outcome = await CommitAsync(connection, writer, plan, new(SkipLocked: false, Yield: true, WaiterId: null), cancellationToken).ConfigureAwait(false);
        if (outcome.Kind == GrantOutcomeKind.Granted)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    /// <summary>
    /// Grants a queued waiter inside the caller's transaction (the queue's dispatch, which holds the queue's
    /// lock): the tenant's quota as for any grant; the waiter's row marked with the lease in the same statement.
    /// </summary>
    public async Task<GrantOutcome> GrantWaiterAsync(NpgsqlConnection connection, NodeRegistration writer, GrantPlan plan, string waiterId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(plan);
        if (quotas is not null && !Unlimited(plan))
        {
            await Sql.ExecuteAsync(connection, LeaseSql.LockTenant, cancellationToken, ("tenant", plan.Tenant)).ConfigureAwait(false);
            if (await QuotaRefusalAsync(connection, plan, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                return new GrantOutcome(GrantOutcomeKind.QuotaRefused, Message: refusal);
            }
        }

        return await CommitAsync(connection, writer, plan, new(SkipLocked: false, Yield: false, waiterId), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<GrantOutcome> CommitAsync(NpgsqlConnection connection, NodeRegistration writer, GrantPlan plan, GrantMode mode, CancellationToken cancellationToken)
    {
        var command = Sql.Command(
            connection,
            LeaseSql.Grant,
            ("writer", writer.NodeId),
            ("writer_epoch", writer.Epoch),
            ("id", plan.LeaseId),
            ("tenant", plan.Tenant),
            ("node", plan.NodeId),
            ("devices", plan.DeviceIds.ToArray()),
            ("memory", plan.MemoryBytes),
            ("milli", plan.Milli),
            ("full_milli", SliceRequest.FullDeviceMilli),
            ("cpu", plan.Request.CpuMilli),
            ("host", plan.Request.HostMemoryBytes),
            ("priority", (int)plan.Request.Priority),
            ("ttl_ms", (long)plan.TimeToLive.TotalMilliseconds),
            ("request", (object?)plan.Request.ClientRequestId ?? DBNull.Value),
            ("whole", plan.WholeDevices),
            ("isolation", (int)plan.Request.Isolation),
            ("hard_cap", plan.Request.HardCap),
            ("skip_locked", mode.SkipLocked),
            ("yield", mode.Yield),
            ("waiter", (object?)mode.WaiterId ?? DBNull.Value));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return GrantRows.Read(reader, 0, writer, plan, mode.WaiterId);
    }

    /// <summary>Whether a grant must take the tenant's lock (its quota, or an earlier try of the same client request): not one for a batch.</summary>
    public bool DependsOnTenant(GrantPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Request.ClientRequestId is not null || (quotas is not null && !Unlimited(plan));
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

    private readonly record struct GrantMode(bool SkipLocked, bool Yield, string? WaiterId);
}
