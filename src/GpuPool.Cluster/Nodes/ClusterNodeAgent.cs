using GpuPool.Cluster.Diagnostics;
using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Schema;
using GpuPool.Cluster.Store;
using GpuPool.Runtime.Devices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GpuPool.Cluster.Nodes;

/// <summary>
/// The node's life in the pool: at start it migrates the schema and joins with a new epoch; then, every
/// heartbeat, it proves it is alive (a heartbeat refused means its epoch is stale: it ends its leases here and
/// joins again), declares silent nodes dead (only once it has itself reached the database for a whole grace,
/// so that an outage that silenced everyone does not kill everyone), ends expired rows, drops the queued waiters
/// of servers no longer alive, and reconciles its
/// leases, also at once when notified.
/// </summary>
internal sealed class ClusterNodeAgent(
    NpgsqlDataSource database,
    ClusterNode node,
    NodeRegistry registry,
    ClusterLeaseStore store,
    WaiterStore waiters,
    ClusterLeases leases,
    ClusterNotifications notifications,
    DeviceInventory inventory,
    ILogger<ClusterNodeAgent> logger) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan NotificationCoalescing = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a node deletes ended leases past their retention, unless it left some behind last time.</summary>
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    /// <summary>The most ended leases one heartbeat deletes (a backlog is worked off a heartbeat at a time).</summary>
    private const int PurgeLimit = 10_000;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loops = Task.CompletedTask;
    private int _disposed;
    private DateTimeOffset _nextPurge;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await new ClusterMigrator(database, logger).MigrateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await JoinAsync(cancellationToken).ConfigureAwait(false);
        node.Started();
        _loops = Task.WhenAll(
            Task.Run(() => notifications.RunAsync(_stopping.Token), CancellationToken.None),
            Task.Run(() => HeartbeatLoopAsync(_stopping.Token), CancellationToken.None));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loops.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as a hosted service: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task JoinAsync(CancellationToken cancellationToken)
    {
        var options = node.Options;
        var sent = node.Time.GetUtcNow();
        var registration = await registry.RegisterAsync(options.NodeId ?? inventory.Node, options.AdvertisedAddress!, inventory.Devices, cancellationToken).ConfigureAwait(false);
        node.Joined(registration, sent);
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        var interval = node.Options.HeartbeatInterval;
        var nextBeat = node.Time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = node.Time.GetUtcNow();
            try
            {
                if (now >= nextBeat)
                {
                    nextBeat = now + interval;
                    await BeatAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await leases.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
            {
                node.Unreachable(ex);
            }

            var wait = nextBeat - node.Time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    if (await Task.WhenAny(notifications.Next, Task.Delay(wait, node.Time, cancellationToken)).ConfigureAwait(false) == notifications.Next)
                    {
                        // Under load notifications come in bursts: one reconciliation answers the burst.
                        await Task.Delay(NotificationCoalescing, node.Time, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var sent = node.Time.GetUtcNow();
        if (!await registry.HeartbeatAsync(node.Registration, cancellationToken).ConfigureAwait(false))
        {
            // Declared dead (or replaced) while cut off: the pool has ended this epoch's leases.
            var ended = leases.EndAllHere(LeaseLostReason.NodeLost);
            ClusterLog.NodeFenced(logger, node.Registration.NodeId, node.Registration.Epoch, ended);
            await JoinAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        node.Confirmed(sent);
        if (node.MayDeclareOthersDead)
        {
            await registry.DeclareDeadAsync(node.Options.Grace, cancellationToken).ConfigureAwait(false);
            await store.EndExpiredAsync(cancellationToken).ConfigureAwait(false);
            await waiters.DeleteOrphansAsync(cancellationToken).ConfigureAwait(false);
            await PurgeEndedAsync(cancellationToken).ConfigureAwait(false);
        }

        await leases.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes leases ended longer than the retention ago: once a minute, or every heartbeat while a backlog is left.</summary>
    private async Task PurgeEndedAsync(CancellationToken cancellationToken)
    {
        var now = node.Time.GetUtcNow();
        if (now < _nextPurge)
        {
            return;
        }

        var retention = node.Options.EndedLeaseRetention;
        var deleted = await store.PurgeEndedAsync(retention, PurgeLimit, cancellationToken).ConfigureAwait(false);
        _nextPurge = deleted < PurgeLimit ? now + PurgeInterval : now;
        if (deleted > 0)
        {
            ClusterLog.EndedLeasesPurged(logger, deleted, retention);
        }
    }
}
