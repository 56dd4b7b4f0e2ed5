using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Server.TestHost;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class GrantBatchesTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task GrantAsync_MoreThanFits_GrantsInOrderAndRefusesTheRest()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var plans = Enumerable.Range(0, 5).Select(_ => Pool.Share("n1", "d0", 3, 100)).ToList();

        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node, plans);

        Assert.Equal(
            [GrantOutcomeKind.Granted, GrantOutcomeKind.Granted, GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict, GrantOutcomeKind.Conflict],
            outcomes.Select(o => o.Kind));
        Assert.Equal(plans.Take(3).Select(p => p.LeaseId), outcomes.Take(3).Select(o => o.Lease!.LeaseId));
        Assert.Equal(3, outcomes.Take(3).Select(o => o.Lease!.FencingToken).Distinct().Count());
        Assert.Equal(3, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL"));
    }

    [PostgresFact]
    public async Task GrantAsync_FirstChoiceTaken_GrantsOnTheAlternativeWhileItHolds()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10), Pool.Gpu("n1", "d1", 10)]);
        var plans = Enumerable.Range(0, 4).Select(_ => Pool.Share("n1", "d0", 4, 100) with { Alternative = new("n1", ["d1"], ByteSize.GiB(4)) }).ToList();

        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node, plans);

        Assert.Equal([GrantOutcomeKind.Granted, GrantOutcomeKind.Granted, GrantOutcomeKind.Granted, GrantOutcomeKind.Granted], outcomes.Select(o => o.Kind));
        Assert.Equal(["d0", "d0", "d1", "d1"], outcomes.Select(o => o.Lease!.DeviceIds[0]));
        Assert.Equal(2, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE device_ids = '{d1}'"));
    }

    [PostgresFact]
    public async Task GrantAsync_ThreeWritersBatchingOnOneDevice_NeverOverCommits()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var writers = new[]
        {
            await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10), Pool.Gpu("n1", "d1", 10)]),
            await pool.Nodes.RegisterAsync("n2", "http://n2", []),
            await pool.Nodes.RegisterAsync("n3", "http://n3", []),
        };
        var batches = new GrantBatches(pool.Database);

        // 3 writers × 4 batches of 4, each batch over both devices in either order: locked up front, no deadlock.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => batches.GrantAsync(
            writers[i % 3],
            [.. Enumerable.Range(0, 4).Select(k => Pool.Share("n1", (i + k) % 2 == 0 ? "d0" : "d1", 1, 50))]))));

        Assert.Equal(20, outcomes.SelectMany(o => o).Count(o => o.Kind == GrantOutcomeKind.Granted));
        Assert.Equal(28, outcomes.SelectMany(o => o).Count(o => o.Kind == GrantOutcomeKind.Conflict));
        Assert.Equal(0, await ClusterInvariants.OverCommittedAsync(pool.Database, CancellationToken.None));
    }

    [PostgresFact]
    public async Task GrantAsync_WholeDeviceAfterAShareOrOnADrainingDevice_IsRefused()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10), Pool.Gpu("n1", "d1", 10), Pool.Gpu("n1", "d2", 10)]);
        pool.Leases.SetDraining("n1", "d2", draining: true);
        GrantPlan Whole(string device) => Pool.Share("n1", device, 0, 1000) with { Request = SliceRequest.ForDevices(1), WholeDevices = true, MemoryBytes = 0 };

        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node, [Pool.Share("n1", "d0", 1, 50), Whole("d0"), Whole("d1"), Whole("d2")]);

        Assert.Equal([GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict, GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict], outcomes.Select(o => o.Kind));
        Assert.Equal(ByteSize.GiB(10), outcomes[2].Lease!.MemoryBytes); // all of the device's memory
    }

    [PostgresFact]
    public async Task GrantAsync_WaiterQueued_YieldsOnlyItemsOfItsPriorityOrBelow()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        await new WaiterStore(pool.Database).RegisterAsync("wt_1", "beta", SliceRequest.ForShare(ByteSize.GiB(20), 100), node);
        var high = Pool.Share("n1", "d0", 1, 50);
        high = high with { Request = high.Request with { Priority = LeasePriority.High } };

        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node, [Pool.Share("n1", "d0", 1, 50), high]);

        Assert.Equal([GrantOutcomeKind.Yielded, GrantOutcomeKind.Granted], outcomes.Select(o => o.Kind));
    }

    [PostgresFact]
    public async Task GrantAsync_WriterEpochReplaced_RefusesEveryItem()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var stale = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);

        var outcomes = await new GrantBatches(pool.Database).GrantAsync(stale, [Pool.Share("n1", "d0", 1, 50), Pool.Share("n1", "d0", 1, 50)]);

        Assert.All(outcomes, o => Assert.Equal(GrantOutcomeKind.WriterFenced, o.Kind));
        Assert.Equal(0, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases"));
    }

    [PostgresFact]
    public async Task EndManyAsync_SameLeaseTwiceAndAnEndedOne_EndsEachLiveLeaseOnce()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node, [Pool.Share("n1", "d0", 1, 50), Pool.Share("n1", "d0", 1, 50)]);
        var (a, b) = (outcomes[0].Lease!.LeaseId, outcomes[1].Lease!.LeaseId);
        await pool.Leases.EndAsync(b, LeaseLostReason.Released);

        var ended = await pool.Leases.EndManyAsync([(a, LeaseLostReason.Released), (a, LeaseLostReason.Released), (b, LeaseLostReason.Revoked)]);

        Assert.Equal([true, false, false], ended);
        Assert.Equal((int)LeaseLostReason.Released, await pool.ScalarAsync($"SELECT end_reason FROM gpupool_leases WHERE lease_id = '{b}'"));
        Assert.Equal(0, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL"));
    }
}
