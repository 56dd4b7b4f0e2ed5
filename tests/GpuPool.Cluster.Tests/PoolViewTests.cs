using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Runtime.Placement;
using GpuPool.Server.TestHost;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class PoolViewTests(PostgresFixture postgres)
{
    private static readonly PlacementRequest EightGiB = PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(8), 100));

    [PostgresFact]
    public async Task PlaceAsync_ViewMissedAnotherServersGrant_BatchRefusesItAndAFreshReadAnswersNull()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var view = View(pool);
        view.Cancel((await view.PlaceAsync(EightGiB, CancellationToken.None))!);

        // Another server takes the device; this view does not hear of it.
        Assert.Equal(GrantOutcomeKind.Granted, (await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 8, 100))).Kind);
        var stale = await view.PlaceAsync(EightGiB, CancellationToken.None);
        var outcome = await new GrantBatches(pool.Database).GrantAsync(node, [Plan(stale!)]);
        view.Cancel(stale!);
        view.Invalidate();
        var fresh = await view.PlaceAsync(EightGiB, CancellationToken.None);

        Assert.Equal(GrantOutcomeKind.Conflict, Assert.Single(outcome).Kind);
        Assert.Null(fresh);
        Assert.Equal(2, view.Reads);
        Assert.Equal(0, await ClusterInvariants.OverCommittedAsync(pool.Database, CancellationToken.None));
    }

    [PostgresFact]
    public async Task PlaceAsync_ReleaseAnnounced_PlacesOnTheFreedDeviceWithoutReading()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var lease = (await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 8, 100))).Lease!;
        var view = View(pool);
        Assert.Null(await view.PlaceAsync(EightGiB, CancellationToken.None));

        await pool.Leases.EndAsync(lease.LeaseId, LeaseLostReason.Released);
        view.Released(lease.LeaseId);
        var placed = await view.PlaceAsync(EightGiB, CancellationToken.None);

        Assert.Equal(["d0"], placed!.Decision.DeviceIds);
        Assert.Equal(1, view.Reads);
    }

    [PostgresFact]
    public async Task Granted_OwnGrantAnnouncedAndConfirmed_CountsItOnce()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        await using var listener = await pool.Database.OpenConnectionAsync();
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Payload);
        await using (var listen = new Npgsql.NpgsqlCommand("LISTEN gpupool_leases", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var view = View(pool);
        var reservation = await view.PlaceAsync(PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(4), 100)), CancellationToken.None);
        var plan = Plan(reservation!, gib: 4);
        var granted = Assert.Single(await new GrantBatches(pool.Database).GrantAsync(node, [plan]));
        using var cap = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (payloads.Count == 0)
        {
            await listener.WaitAsync(cap.Token);
        }

        var notice = PoolNotification.Parse(Assert.Single(payloads));
        var usage = LiveLeaseUsage.Parse(notice.LeaseId);
        view.Granted(usage!); // the notice arrives before the grant's caller confirms
        view.Confirm(reservation!, granted.Lease!);
        var rest = await view.PlaceAsync(PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(6), 100)), CancellationToken.None);

        Assert.Equal(GrantOutcomeKind.Granted, granted.Kind);
        Assert.Equal(PoolNotification.Granted, notice.Kind);
        Assert.Equal((plan.LeaseId, "n1", ByteSize.GiB(4), 100), (usage!.LeaseId, usage.NodeId, usage.MemoryBytes, usage.Milli));
        Assert.Equal(["d0"], usage.DeviceIds);
        Assert.NotNull(rest); // 4 GiB counted once leaves 6 GiB: no second read needed
        Assert.Equal(1, view.Reads);
    }

    [PostgresFact]
    public async Task PlaceAsync_ViewMissedAGrantOnItsChoice_BatchGrantsOnTheAlternativeAndTheViewCountsIt()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10), Pool.Gpu("n1", "d1", 10)]);
        var view = View(pool);
        var reservation = await view.PlaceAsync(EightGiB, CancellationToken.None);
        var (first, other) = (reservation!.Decision.DeviceIds[0], reservation.Alternative!.DeviceIds[0]);
        view.Cancel(reservation);

        // Another server takes the device this view will choose again; the view does not hear of it.
        Assert.Equal(GrantOutcomeKind.Granted, (await pool.Grants.GrantAsync(node, Pool.Share("n1", first, 8, 100))).Kind);
        var stale = await view.PlaceAsync(EightGiB, CancellationToken.None);
        var plan = Plan(stale!) with { Alternative = stale!.Alternative };
        var outcome = Assert.Single(await new GrantBatches(pool.Database).GrantAsync(node, [plan]));
        view.Confirm(stale, outcome.Lease!);
        var third = await view.PlaceAsync(EightGiB, CancellationToken.None);

        Assert.NotEqual(first, other);
        Assert.Equal([first], stale.Decision.DeviceIds);
        Assert.Equal(GrantOutcomeKind.Granted, outcome.Kind);
        Assert.Equal([other], outcome.Lease!.DeviceIds);
        Assert.Equal(1, await pool.ScalarAsync($"SELECT count(*) FROM gpupool_leases WHERE lease_id = '{plan.LeaseId}' AND device_ids = '{{{other}}}'"));
        Assert.Equal([first], third!.Decision.DeviceIds); // the view counts the grant where it was made, not where it was placed
        Assert.Equal(0, await ClusterInvariants.OverCommittedAsync(pool.Database, CancellationToken.None));
    }

    private static PoolView View(Pool pool) =>
        new(pool.Leases, () => PlacementPolicies.Create(PlacementPolicies.Default), TimeProvider.System, TimeSpan.FromHours(1));

    private static GrantPlan Plan(PoolReservation reservation, int gib = 8) =>
        Pool.Share(reservation.Decision.NodeId, reservation.Decision.DeviceIds[0], gib, 100);
}
