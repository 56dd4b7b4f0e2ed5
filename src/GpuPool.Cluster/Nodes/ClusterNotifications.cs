using GpuPool.Cluster.Diagnostics;
using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Store;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GpuPool.Cluster.Nodes;

/// <summary>
/// LISTENs on the pool's channel and wakes this server when a lease ended or a node changed: acquires waiting
/// for capacity try again, and the node agent reconciles its leases at once instead of at its next heartbeat
/// (not for a release: the notification names the lease, and whoever holds a copy ends it without reading the
/// database — under load every node reconciling on every release was most of the database's work). Grants and
/// ends keep the server's <see cref="PoolView"/> up to date, and this server's barrier tokens coming back tell its
/// <see cref="AnnouncementBarrier"/> that everything committed before them has been applied. A lost connection
/// only delays that until the next heartbeat (and the view is read again; the barrier fails while nobody listens).
/// </summary>
internal sealed class ClusterNotifications(
    NpgsqlDataSource database,
    CapacitySignal capacity,
    NodeLeases leases,
    PoolView view,
    AnnouncementBarrier barrier,
    ClusterNode node,
    ILogger<ClusterNotifications> logger)
{
    /// <summary>Completes at the next notification that calls for this node to reconcile its leases.</summary>
    public Task Next => _next.Task;

    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                connection.Notification += (_, e) => OnNotification(PoolNotification.Parse(e.Payload));
                var listen = new NpgsqlCommand("LISTEN gpupool_leases", connection);
                await using (listen.ConfigureAwait(false))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                view.Invalidate(); // what was announced while nobody listened is read with the pool
                barrier.Listening();
                try
                {
                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    barrier.Stopped();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
            {
                ClusterLog.NotificationsFailed(logger, ex);
                view.Invalidate();
                await Task.Delay(node.Options.HeartbeatInterval, node.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void OnNotification(PoolNotification notification)
    {
        switch (notification)
        {
            case { Kind: PoolNotification.Sync }:
                barrier.Arrived(notification);
                return;
            case { Kind: PoolNotification.Granted }:
                if (LiveLeaseUsage.Parse(notification.LeaseId) is { } granted)
                {
                    view.Granted(granted);
                }
                else
                {
                    view.Invalidate();
                }

                break;
            case { Kind: PoolNotification.Released or PoolNotification.Ended, LeaseId: not null }:
                var ended = notification.EndedLeases;
                foreach (var id in ended)
                {
                    view.Released(id);
                }

                if (notification.Kind == PoolNotification.Released)
                {
                    // The rows are ended (the notification commits with them): end the copies here without reading them back.
                    ThreadPool.QueueUserWorkItem(static state => state.Leases.EndReleased(state.Ids), (Leases: leases, Ids: ended), preferLocal: false);
                }

                break;
            default:
                view.Invalidate(); // a node joined or died, a device resumed, the queue granted: read the pool again
                break;
        }

        if (notification.MayFreeCapacity)
        {
            capacity.Signal();
        }

        if (notification.CallsForReconciling)
        {
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
