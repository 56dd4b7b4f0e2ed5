using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class NodeRegistryTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task RegisterAsync_NodeRestarts_NewEpochAndOldEpochFenced()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var first = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 16)]);
        var granted = await pool.Grants.GrantAsync(first, Pool.Share("n1", "d0", 1, 100));

        var second = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 16)]);

        Assert.True(second.Epoch > first.Epoch);
        Assert.False(await pool.Nodes.HeartbeatAsync(first));
        Assert.True(await pool.Nodes.HeartbeatAsync(second));
        Assert.Equal(GrantOutcomeKind.WriterFenced, (await pool.Grants.GrantAsync(first, Pool.Share("n1", "d0", 1, 100))).Kind);
        var old = Assert.Single(await pool.Leases.GetAsync([granted.Lease!.LeaseId]));
        Assert.False(old.IsLive);
        Assert.Equal(LeaseLostReason.ServerRestarted, old.EndReason);
    }

    [PostgresFact]
    public async Task DeclareDeadAsync_SilentNode_EndsOnlyItsLeasesAndFencesIt()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var silent = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 16)]);
        var alive = await pool.Nodes.RegisterAsync("n2", "http://n2", [Pool.Gpu("n2", "d0", 16)]);
        var lost = (await pool.Grants.GrantAsync(alive, Pool.Share("n1", "d0", 4, 500))).Lease!;
        var kept = (await pool.Grants.GrantAsync(alive, Pool.Share("n2", "d0", 4, 500))).Lease!;
        await pool.ExecuteAsync("UPDATE gpupool_nodes SET heartbeat_at = now() - interval '1 minute' WHERE node_id = 'n1'");

        var dead = await pool.Nodes.DeclareDeadAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["n1"], dead);
        var rows = (await pool.Leases.GetAsync([lost.LeaseId, kept.LeaseId])).ToDictionary(r => r.LeaseId);
        Assert.False(rows[lost.LeaseId].IsLive);
        Assert.Equal(LeaseLostReason.NodeLost, rows[lost.LeaseId].EndReason);
        Assert.True(rows[kept.LeaseId].IsLive);
        Assert.False(await pool.Nodes.HeartbeatAsync(silent));
        Assert.DoesNotContain(await pool.Leases.ReadPoolAsync(), d => d.NodeId == "n1");
    }

    [PostgresFact]
    public async Task RegisterAsync_DeadNodeRestarts_CapacityReturnsWithNewEpoch()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var first = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 16)]);
        await pool.Grants.GrantAsync(first, Pool.Share("n1", "d0", 16, 1000));
        await pool.ExecuteAsync("UPDATE gpupool_nodes SET heartbeat_at = now() - interval '1 minute'");
        await pool.Nodes.DeclareDeadAsync(TimeSpan.FromSeconds(10));

        var second = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 16)]);

        var device = Assert.Single(await pool.Leases.ReadPoolAsync());
        Assert.Equal(second.Epoch, device.NodeEpoch);
        Assert.Equal(0, device.Leases);
        Assert.Equal(GrantOutcomeKind.Granted, (await pool.Grants.GrantAsync(second, Pool.Share("n1", "d0", 16, 1000))).Kind);
    }
}
