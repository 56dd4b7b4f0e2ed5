using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Schema;
using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Runtime.Placement;
using GpuPool.Server.TestHost;
using Microsoft.Extensions.Logging.Abstractions;

namespace GpuPool.Cluster.Tests;

/// <summary>A node's CPU and host memory (schema version 5): registered with the node, checked by the grants, seen by placement.</summary>
[Collection(PostgresDefinition.Name)]
public sealed class NodeCapacityTests(PostgresFixture postgres)
{
    private const int Cpu = 4000;
    private static readonly long Host = ByteSize.GiB(8);

    [PostgresFact]
    public async Task MigrateAsync_FromVersion4_NodesUnlimitedAndLeasesKept()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server, schemaVersion: 4);
        await pool.ExecuteAsync("""
            INSERT INTO gpupool_nodes VALUES ('n1', 'http://n1', 1, 'alive', now(), now());
            INSERT INTO gpupool_devices (node_id, device_id, kind, vendor, model, memory_bytes) VALUES ('n1', 'd0', 1, 0, 'sim', 10737418240);
            """);
        var node = new NodeRegistration("n1", "http://n1", 1);
        var before = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d0", 2, 100), cpu: 64_000, host: ByteSize.GiB(512)));

        var found = await new ClusterMigrator(pool.Database, NullLogger.Instance).MigrateAsync();
        var after = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d0", 2, 100), cpu: 64_000, host: ByteSize.GiB(512)));

        Assert.Equal(4, found);
        Assert.Equal(GrantOutcomeKind.Granted, before.Kind);
        Assert.Equal(ClusterSchema.LatestVersion, await pool.ScalarAsync("SELECT max(version) FROM gpupool_schema"));
        Assert.Equal(0, await pool.ScalarAsync("SELECT cpu_milli + host_memory_bytes FROM gpupool_nodes WHERE node_id = 'n1'"));
        Assert.Equal(GrantOutcomeKind.Granted, after.Kind); // 0 = not limited: a node that declared nothing is not checked
        Assert.Equal(2, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL AND cpu_milli = 64000"));
    }

    [PostgresFact]
    public async Task RegisterAsync_WithCapacity_StoresItAndARestartReplacesIt()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);

        await pool.Nodes.RegisterAsync(new NodeCapacity("n1", [Pool.Gpu("n1", "d0", 10)], Cpu, Host), "http://n1");
        var first = await pool.ScalarAsync("SELECT cpu_milli FROM gpupool_nodes WHERE node_id = 'n1'");
        await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);

        Assert.Equal(Cpu, first);
        Assert.Equal(0, await pool.ScalarAsync("SELECT cpu_milli + host_memory_bytes FROM gpupool_nodes WHERE node_id = 'n1'"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.Nodes.RegisterAsync(new NodeCapacity("n2", [], -1), "http://n2"));
    }

    [PostgresFact]
    public async Task GrantAsync_BeyondTheNodesCpuOrHostMemory_RefusedEvenOnFreeDevices()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await TwoDevicesAsync(pool);

        var cpu = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d0", 1, 100), cpu: 3000));
        var cpuOver = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d1", 1, 100), cpu: 1001));
        var host = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d1", 1, 100), host: ByteSize.GiB(6)));
        var hostOver = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d0", 1, 100), host: ByteSize.GiB(2) + 1));
        var exact = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d1", 1, 100), cpu: 1000, host: ByteSize.GiB(2)));

        Assert.Equal(
            [GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict, GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict, GrantOutcomeKind.Granted],
            new[] { cpu, cpuOver, host, hostOver, exact }.Select(o => o.Kind));
        Assert.Contains("CPU or host memory", cpuOver.Message, StringComparison.Ordinal);
        Assert.Equal(0, await OverCommittedNodesAsync(pool));
    }

    [PostgresFact]
    public async Task GrantAsync_EndedLeaseOrEarlierEpoch_NoLongerCounts()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await TwoDevicesAsync(pool);
        var all = (await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d0", 1, 100), cpu: Cpu))).Lease!;
        var refused = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d1", 1, 100), cpu: 1));

        await pool.Leases.EndAsync(all.LeaseId, LeaseLostReason.Released);
        var afterEnd = await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d1", 1, 100), cpu: Cpu));
        var restarted = await TwoDevicesAsync(pool); // a new epoch: the earlier one's leases end
        var afterRestart = await pool.Grants.GrantAsync(restarted, WithHost(Pool.Share("n1", "d0", 1, 100), cpu: Cpu));

        Assert.Equal(GrantOutcomeKind.Conflict, refused.Kind);
        Assert.Equal(GrantOutcomeKind.Granted, afterEnd.Kind);
        Assert.Equal(GrantOutcomeKind.Granted, afterRestart.Kind);
    }

    [PostgresFact]
    public async Task GrantBatch_ItemsBeyondTheNodesCpuOrHostMemory_RefusedInOrderCountingLeasesBefore()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await TwoDevicesAsync(pool);
        Assert.Equal(GrantOutcomeKind.Granted, (await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d0", 1, 100), cpu: 1000, host: ByteSize.GiB(2)))).Kind);

        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node,
        [
            WithHost(Pool.Share("n1", "d0", 1, 100), cpu: 2000),
            WithHost(Pool.Share("n1", "d1", 1, 100), cpu: 2000),
            WithHost(Pool.Share("n1", "d1", 1, 100), cpu: 1000, host: ByteSize.GiB(6)),
            WithHost(Pool.Share("n1", "d0", 1, 100), host: 1),
            Pool.Share("n1", "d0", 1, 100),
        ]);

        Assert.Equal(
            [GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict, GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict, GrantOutcomeKind.Granted],
            outcomes.Select(o => o.Kind));
        Assert.Contains("CPU or host memory", outcomes[1].Message, StringComparison.Ordinal);
        Assert.Equal(0, await OverCommittedNodesAsync(pool));
    }

    [PostgresFact]
    public async Task GrantBatch_FirstChoicesNodeOutOfCpu_GrantsOnTheAlternative()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await TwoDevicesAsync(pool);
        await pool.Nodes.RegisterAsync(new NodeCapacity("n2", [Pool.Gpu("n2", "d0", 10)], Cpu, Host), "http://n2");
        var plan = WithHost(Pool.Share("n1", "d0", 1, 100), cpu: 3000) with { Alternative = new("n2", ["d0"], ByteSize.GiB(1)) };

        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node, [plan, plan with { LeaseId = plan.LeaseId + "b" }, plan with { LeaseId = plan.LeaseId + "c" }]);

        Assert.Equal([GrantOutcomeKind.Granted, GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict], outcomes.Select(o => o.Kind));
        Assert.Equal(["n1", "n2"], outcomes.Take(2).Select(o => o.Lease!.NodeId));
    }

    [PostgresFact]
    public async Task Grants_ConcurrentOnEveryDeviceOfOneNode_NeverOverCommitTheNodesCpu()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var devices = Enumerable.Range(0, 8).Select(d => Pool.Gpu("n1", $"d{d}", 10)).ToList();
        var node = await pool.Nodes.RegisterAsync(new NodeCapacity("n1", devices, Cpu, Host), "http://n1");
        var batches = new GrantBatches(pool.Database);

        // 16 single grants and 8 batches of 2, each asking 1000 milli-cores on its own free device share: only 4 fit.
        var singles = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            (IReadOnlyList<GrantOutcome>)[await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", $"d{i % 8}", 1, 10), cpu: 1000))]));
        var batched = Enumerable.Range(0, 8).Select(i => Task.Run(() => batches.GrantAsync(node,
            [WithHost(Pool.Share("n1", $"d{i}", 1, 10), cpu: 1000), WithHost(Pool.Share("n1", $"d{7 - i}", 1, 10), cpu: 1000)])));
        var outcomes = (await Task.WhenAll(singles.Concat(batched))).SelectMany(o => o).ToList();

        Assert.Equal(4, outcomes.Count(o => o.Kind == GrantOutcomeKind.Granted));
        Assert.Equal(28, outcomes.Count(o => o.Kind == GrantOutcomeKind.Conflict));
        Assert.Equal(Cpu, await pool.ScalarAsync("SELECT sum(cpu_milli) FROM gpupool_leases WHERE ended_at IS NULL"));
        Assert.Equal(0, await OverCommittedNodesAsync(pool));
        Assert.Equal(0, await ClusterInvariants.OverCommittedAsync(pool.Database, CancellationToken.None));
    }

    [PostgresFact]
    public async Task PlaceAsync_NodeOutOfCpu_ViewAndPlacerPlaceOnTheNodeThatHasIt()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync(new NodeCapacity("n1", [Pool.Gpu("n1", "d0", 10)], Cpu, Host), "http://n1");
        await pool.Nodes.RegisterAsync(new NodeCapacity("n2", [Pool.Gpu("n2", "d0", 10)], 2 * Cpu, Host), "http://n2");
        Assert.Equal(GrantOutcomeKind.Granted, (await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n1", "d0", 1, 100), cpu: 3000))).Kind);
        Assert.Equal(GrantOutcomeKind.Granted, (await pool.Grants.GrantAsync(node, WithHost(Pool.Share("n2", "d0", 1, 100), cpu: 3000))).Kind);
        var request = PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { CpuMilli = 2000 });
        var tooMuch = PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { CpuMilli = 6000 });
        var view = new PoolView(pool.Leases, () => PlacementPolicies.Create(PlacementPolicies.Default), TimeProvider.System, TimeSpan.FromHours(1));

        var placed = await view.PlaceAsync(request, CancellationToken.None);
        view.Cancel(placed!);
        var none = await view.PlaceAsync(tooMuch, CancellationToken.None);
        var chosen = new ClusterPlacer(() => PlacementPolicies.Create(PlacementPolicies.Default)).Choose(await pool.Leases.ReadPoolAsync(), request);

        Assert.Equal("n2", placed!.Decision.NodeId);
        Assert.Null(placed.Alternative); // n1 has 1000 milli-cores left
        Assert.Null(none);
        Assert.Equal("n2", chosen!.NodeId);
    }

    private static Task<NodeRegistration> TwoDevicesAsync(Pool pool) =>
        pool.Nodes.RegisterAsync(new NodeCapacity("n1", [Pool.Gpu("n1", "d0", 10), Pool.Gpu("n1", "d1", 10)], Cpu, Host), "http://n1");

    private static GrantPlan WithHost(GrantPlan plan, int cpu = 0, long host = 0) =>
        plan with { Request = plan.Request with { CpuMilli = cpu, HostMemoryBytes = host } };

    // Nodes whose live leases take more CPU or host memory than the node declares.
    private static Task<long> OverCommittedNodesAsync(Pool pool) => pool.ScalarAsync("""
        SELECT count(*) FROM gpupool_nodes n
        JOIN LATERAL (
            SELECT sum(l.cpu_milli) AS cpu, sum(l.host_memory_bytes) AS host FROM gpupool_leases l
            WHERE l.node_id = n.node_id AND l.node_epoch = n.epoch AND l.ended_at IS NULL AND l.expires_at > now()) u ON true
        WHERE (n.cpu_milli > 0 AND u.cpu > n.cpu_milli) OR (n.host_memory_bytes > 0 AND u.host > n.host_memory_bytes)
        """);
}
