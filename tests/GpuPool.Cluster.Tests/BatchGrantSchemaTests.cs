using GpuPool.Cluster.Schema;
using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Server.TestHost;
using Microsoft.Extensions.Logging.Abstractions;

namespace GpuPool.Cluster.Tests;

/// <summary>The batch grant of schema version 6: one insert and its announcements for every grant of a batch, the outcomes of version 5.</summary>
[Collection(PostgresDefinition.Name)]
public sealed class BatchGrantSchemaTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task MigrateAsync_FromVersion5_LeasesKeptAndBatchesCountThem()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server, schemaVersion: 5);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var batches = new GrantBatches(pool.Database);
        var before = await batches.GrantAsync(node, [Pool.Share("n1", "d0", 3, 100), Pool.Share("n1", "d0", 3, 100)]);

        var found = await new ClusterMigrator(pool.Database, NullLogger.Instance).MigrateAsync();
        var after = await batches.GrantAsync(node, [Pool.Share("n1", "d0", 3, 100), Pool.Share("n1", "d0", 3, 100)]);

        Assert.Equal(5, found);
        Assert.Equal(ClusterSchema.LatestVersion, await pool.ScalarAsync("SELECT max(version) FROM gpupool_schema"));
        Assert.All(before, o => Assert.Equal(GrantOutcomeKind.Granted, o.Kind));
        Assert.Equal([GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict], after.Select(o => o.Kind)); // 3 + 3 + 3 of 10 GiB, then no room
        Assert.Equal(3, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL"));
    }

    [PostgresFact]
    public async Task GrantAsync_RefusalsBetweenGrants_EachGrantAnnouncedWithItsTokenInItemOrder()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10), Pool.Gpu("n1", "d1", 10)]);
        var payloads = new List<string>();
        await using var listener = await pool.ListenAsync(payloads);
        GrantPlan[] plans =
        [
            Pool.Share("n1", "d0", 6, 100),
            Pool.Share("n1", "d0", 6, 100), // no room left on d0
            Pool.Share("n1", "d1", 2, 300) with { DeviceIds = ["d1", "d0"], MemoryBytes = ByteSize.GiB(2) },
            Pool.Share("n2", "d0", 1, 100), // an owner that is not registered
            Pool.Share("n1", "d1", 4, 200),
        ];

        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node, plans);
        using var cap = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (payloads.Count < 3)
        {
            await listener.WaitAsync(cap.Token);
        }

        var announced = payloads.Select(PoolNotification.Parse).ToList();
        var leases = announced.Select(n => LiveLeaseUsage.Parse(n.LeaseId)!).ToList();
        Assert.Equal(
            [GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict, GrantOutcomeKind.Granted, GrantOutcomeKind.Conflict, GrantOutcomeKind.Granted],
            outcomes.Select(o => o.Kind));
        var granted = outcomes.Where(o => o.Kind == GrantOutcomeKind.Granted).Select(o => o.Lease!).ToList();
        Assert.Equal([plans[0].LeaseId, plans[2].LeaseId, plans[4].LeaseId], granted.Select(l => l.LeaseId));
        Assert.Equal(granted.Select(l => l.FencingToken).Order(), granted.Select(l => l.FencingToken)); // tokens drawn in item order
        Assert.All(announced, n => Assert.Equal(PoolNotification.Granted, n.Kind));
        Assert.Equal(granted.Select(l => l.LeaseId), leases.Select(l => l.LeaseId));
        Assert.Equal(["d1", "d0"], leases[1].DeviceIds);
        Assert.Equal([ByteSize.GiB(6), ByteSize.GiB(2), ByteSize.GiB(4)], leases.Select(l => l.MemoryBytes));
        Assert.Equal([100, 300, 200], leases.Select(l => l.Milli));
        Assert.Equal(granted.Select(l => UnixMillisecondsRounded(l.ExpiresAt)), leases.Select(l => l.ExpiresAtMs)); // as the pool's reads round them
        Assert.Equal(0, await ClusterInvariants.OverCommittedAsync(pool.Database, CancellationToken.None));
    }

    /// <summary>The Unix milliseconds PostgreSQL gives for a time (<c>(extract(epoch FROM t) * 1000)::bigint</c> rounds half away from zero).</summary>
    private static long UnixMillisecondsRounded(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + (TimeSpan.TicksPerMillisecond / 2)) / TimeSpan.TicksPerMillisecond;
}
