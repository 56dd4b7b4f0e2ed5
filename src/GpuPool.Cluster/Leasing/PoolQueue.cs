using GpuPool.Cluster.Diagnostics;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Runtime;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// Serves the pool's queue of waiting acquires as a single server serves its own: by priority, then arrival,
/// pool-wide; a waiter that does not fit yet does not hold up smaller ones behind it. One dispatch at a time
/// in the whole pool (a transaction-scoped advisory lock): it reads the queue and the pool, places each waiter
/// in order and grants it in the same transaction, then wakes the servers, whose waiters take their leases.
/// A server with waiters dispatches whenever capacity may have freed; one dispatch at a time per server too.
/// </summary>
internal sealed class PoolQueue(NpgsqlDataSource database, LeaseGrants grants, ClusterPlacer placer, ClusterNode node, IOptions<GpuPoolRuntimeOptions> runtime, ILogger<PoolQueue> logger)
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _defaultTimeToLive = LeaseTableSettings.From(runtime.Value).DefaultTimeToLive;
    private Task _current = Task.CompletedTask;
    private Task? _next;

    /// <summary>Completes after a dispatch that started after this call (callers at the same moment share one).</summary>
    public Task DispatchAsync()
    {
        lock (_gate)
        {
            if (_next is not null)
            {
                return _next;
            }

            var previous = _current;
            _next = Task.Run(async () =>
            {
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                lock (_gate)
                {
                    _current = _next!;
                    _next = null;
                }

                await DispatchOnceAsync(CancellationToken.None).ConfigureAwait(false);
            });
            return _next;
        }
    }

    private async Task DispatchOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var transactionScope = transaction.ConfigureAwait(false);
            var waiters = await WaiterStore.LockAndReadAsync(connection, cancellationToken).ConfigureAwait(false);
            var granted = 0;
            if (waiters.Count > 0)
            {
                var pool = await ClusterLeaseStore.ReadPoolAsync(connection, cancellationToken).ConfigureAwait(false);
                foreach (var waiter in waiters)
                {
                    if (await TryGrantAsync(connection, waiter, pool, cancellationToken).ConfigureAwait(false) is not { } outcome)
                    {
                        continue;
                    }

                    if (outcome == GrantOutcomeKind.WriterFenced)
                    {
                        return; // this server may not grant; the rollback undoes nothing granted yet
                    }

                    if (outcome == GrantOutcomeKind.Granted)
                    {
                        granted++;
                        pool = await ClusterLeaseStore.ReadPoolAsync(connection, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (granted > 0)
            {
                await Sql.ExecuteAsync(connection, LeaseSql.Notify, cancellationToken, ("payload", PoolNotification.Payload(PoolNotification.Queue, ""))).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (granted > 0)
            {
                ClusterLog.QueueServed(logger, granted, waiters.Count);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex) || DatabaseFailures.IsConflict(ex))
        {
            // The waiters poll again: a later dispatch serves them.
            ClusterLog.QueueDispatchFailed(logger, ex);
        }
    }

    private async Task<GrantOutcomeKind?> TryGrantAsync(NpgsqlConnection connection, ClusterWaiter waiter, IReadOnlyList<PoolDevice> pool, CancellationToken cancellationToken)
    {
        PlacementDecision? decision;
        PlacementRequest placement;
        try
        {
            placement = PlacementRequest.From(waiter.Request);
            decision = placer.Choose(pool, placement);
        }
        catch (InvalidPoolRequestException)
        {
            return null; // nothing in the pool as it is now could ever hold it: it waits for nodes to join
        }

        if (decision is null)
        {
            return null; // does not fit yet: the waiters behind it still may
        }

        var plan = GrantPlan.For(waiter.Request, placement, waiter.Tenant, decision, _defaultTimeToLive);
        return (await grants.GrantWaiterAsync(connection, node.Registration, plan, waiter.WaiterId, cancellationToken).ConfigureAwait(false)).Kind;
    }
}
