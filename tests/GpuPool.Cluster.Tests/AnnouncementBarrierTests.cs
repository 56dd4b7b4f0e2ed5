using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuPool.Cluster.Tests;

/// <summary>
/// A server answers "nothing fits" once the pool's announcements committed before the answer have reached it
/// (its own token back on the channel), without reading the pool, and never misses a release committed before.
/// </summary>
[Collection(PostgresDefinition.Name)]
public sealed class AnnouncementBarrierTests(PostgresFixture postgres)
{
    private static readonly PlacementRequest EightGiB = PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(8), 100));

    [PostgresFact]
    public async Task PlaceAsync_NothingFits_AnsweredAfterTheBarrierWithoutReadingThePool_AndAReleaseCommittedBeforeIsNeverMissed()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var writer = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var held = (await pool.Grants.GrantAsync(writer, Pool.Share("n1", "d0", 8, 100))).Lease!;
        await using var server = await Listener.StartAsync(pool, writer);

        var refused = await server.View.PlaceAsync(EightGiB, CancellationToken.None);
        var refusedAgain = await server.View.PlaceAsync(EightGiB, CancellationToken.None);
        var (readsWhileFull, passedWhileFull) = (server.View.Reads, server.Barrier.Passed);
        await pool.Leases.EndManyAsync([(held.LeaseId, LeaseLostReason.Released)]); // another server's release, committed now
        var placed = await server.View.PlaceAsync(EightGiB, CancellationToken.None);

        Assert.Null(refused);
        Assert.Null(refusedAgain);
        Assert.Equal((1, 1), (readsWhileFull, passedWhileFull)); // the first refusal came from the view's first read, the second from the barrier
        Assert.NotNull(placed); // the release's announcement came before the placement, or before its token
        Assert.Equal(1, server.View.Reads);
    }

    [PostgresFact]
    public async Task PlaceAsync_NothingFitsAndNobodyListens_ReadsThePoolInstead()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var writer = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        await pool.Grants.GrantAsync(writer, Pool.Share("n1", "d0", 8, 100));
        var barrier = new AnnouncementBarrier(pool.Database, TimeProvider.System); // no listener: its tokens never come back
        var view = new PoolView(pool.Leases, () => PlacementPolicies.Create(PlacementPolicies.Default), TimeProvider.System, TimeSpan.FromHours(1), barrier: barrier);

        Assert.Null(await view.PlaceAsync(EightGiB, CancellationToken.None));
        Assert.Null(await view.PlaceAsync(EightGiB, CancellationToken.None));

        Assert.Equal(0, barrier.Passed);
        Assert.Equal(2, view.Reads);
    }

    /// <summary>A server's view, barrier and listener on the pool's channel, as the cluster's services wire them.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly LeaseTable _table;
        private readonly DetachedMeterFactory _meters = new();
        private Task _running = Task.CompletedTask;

        private Listener(Pool pool, NodeRegistration writer)
        {
            var options = new ClusterOptions { NodeId = writer.NodeId, AdvertisedAddress = writer.Address };
            var node = new ClusterNode(Options.Create(options), TimeProvider.System, NullLogger<ClusterNode>.Instance);
            node.Joined(writer, TimeProvider.System.GetUtcNow());
            _table = new LeaseTable([], new BestFitPolicy(), new LeaseTableSettings(), TimeProvider.System, NullLogger<LeaseTable>.Instance, new RuntimeMetrics(_meters));
            Barrier = new AnnouncementBarrier(pool.Database, TimeProvider.System);
            View = new PoolView(pool.Leases, () => PlacementPolicies.Create(PlacementPolicies.Default), TimeProvider.System, TimeSpan.FromHours(1), barrier: Barrier);
            var leases = new NodeLeases(pool.Leases, node, _table, NullLogger<NodeLeases>.Instance);
            Notifications = new ClusterNotifications(pool.Database, new CapacitySignal(), leases, View, Barrier, node, NullLogger<ClusterNotifications>.Instance);
        }

        public AnnouncementBarrier Barrier { get; }

        public PoolView View { get; }

        private ClusterNotifications Notifications { get; }

        public static async Task<Listener> StartAsync(Pool pool, NodeRegistration writer)
        {
            var listener = new Listener(pool, writer);
            listener._running = listener.Notifications.RunAsync(listener._stop.Token);
            await Eventually.TrueAsync(() => Task.FromResult(listener.Barrier.IsListening), TimeSpan.FromSeconds(60), "the listener listens");
            return listener;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _running;
            _table.Dispose();
            _meters.Dispose();
            _stop.Dispose();
        }
    }
}
