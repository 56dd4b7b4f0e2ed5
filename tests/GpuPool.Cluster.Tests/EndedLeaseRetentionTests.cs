using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Schema;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using GpuPool.Server.TestHost;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuPool.Cluster.Tests;

/// <summary>Ended leases are deleted once the retention has passed (schema version 7), and nothing live goes with them.</summary>
[Collection(PostgresDefinition.Name)]
public sealed class EndedLeaseRetentionTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    [PostgresFact]
    public async Task PurgeEndedAsync_DeletesOnlyLeasesEndedBeforeTheRetention_OldestFirstUpToTheLimit()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 100)]);
        var leases = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            leases.Add((await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 1, 10))).Lease!.LeaseId);
        }

        await pool.Leases.EndManyAsync([.. leases.Take(4).Select(id => (id, LeaseLostReason.Released))]);
        await pool.ExecuteAsync($"""
            UPDATE gpupool_leases SET ended_at = now() - interval '3 hours' WHERE lease_id = '{leases[0]}';
            UPDATE gpupool_leases SET ended_at = now() - interval '2 hours' WHERE lease_id = '{leases[1]}';
            UPDATE gpupool_leases SET ended_at = now() - interval '90 minutes' WHERE lease_id = '{leases[2]}';
            UPDATE gpupool_leases SET expires_at = now() - interval '5 hours' WHERE lease_id = '{leases[5]}';
            """); // leases[3] ended just now; leases[4] is live; leases[5] expired long ago but was never ended

        var first = await pool.Leases.PurgeEndedAsync(Retention, limit: 2);
        var afterFirst = await IdsAsync(pool);
        var second = await pool.Leases.PurgeEndedAsync(Retention, limit: 2);
        var third = await pool.Leases.PurgeEndedAsync(Retention, limit: 2);

        Assert.Equal((2, 1, 0), (first, second, third));
        Assert.Equal(leases.Skip(2).Order(StringComparer.Ordinal), afterFirst); // the two that ended first went first
        Assert.Equal(leases.Skip(3).Order(StringComparer.Ordinal), await IdsAsync(pool));
        Assert.Equal(2, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL"));
    }

    [PostgresFact]
    public async Task MigrateAsync_FromVersion6_EndedLeasesIndexedAndPurged()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server, schemaVersion: 6);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var lease = (await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 1, 10))).Lease!;
        await pool.Leases.EndManyAsync([(lease.LeaseId, LeaseLostReason.Released)]);
        await pool.ExecuteAsync("UPDATE gpupool_leases SET ended_at = now() - interval '2 hours'");

        var found = await new ClusterMigrator(pool.Database, NullLogger.Instance).MigrateAsync();
        var purged = await pool.Leases.PurgeEndedAsync(Retention, limit: 100);

        Assert.Equal(6, found);
        Assert.Equal(ClusterSchema.LatestVersion, await pool.ScalarAsync("SELECT max(version) FROM gpupool_schema"));
        Assert.Equal(1, await pool.ScalarAsync("SELECT count(*) FROM pg_indexes WHERE indexname = 'gpupool_leases_ended'"));
        Assert.Equal(1, purged);
        Assert.Equal(0, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases"));
    }

    [PostgresFact]
    public async Task SynchronizeAsync_ALocalLeaseWhoseRowWasDeleted_EndsHere()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var writer = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var options = new ClusterOptions { NodeId = writer.NodeId, AdvertisedAddress = writer.Address };
        var node = new ClusterNode(Options.Create(options), TimeProvider.System, NullLogger<ClusterNode>.Instance);
        node.Joined(writer, TimeProvider.System.GetUtcNow());
        using var meters = new DetachedMeterFactory();
        using var table = new LeaseTable([new NodeCapacity("n1", [Pool.Gpu("n1", "d0", 10)])], new BestFitPolicy(), new LeaseTableSettings(), TimeProvider.System, NullLogger<LeaseTable>.Instance, new RuntimeMetrics(meters));
        var leases = new NodeLeases(pool.Leases, node, table, NullLogger<NodeLeases>.Instance);
        var granted = (await pool.Grants.GrantAsync(writer, Pool.Share("n1", "d0", 2, 100))).Lease!;
        await leases.SynchronizeAsync(CancellationToken.None);
        var adopted = leases.TryGetLocal(granted.LeaseId, out var local);

        // Ended elsewhere and deleted after the retention while this node did not read the pool.
        await pool.ExecuteAsync($"DELETE FROM gpupool_leases WHERE lease_id = '{granted.LeaseId}'");
        await leases.SynchronizeAsync(CancellationToken.None);

        Assert.True(adopted);
        Assert.False(leases.TryGetLocal(granted.LeaseId, out _));
        Assert.True(local.LostToken.IsCancellationRequested);
        Assert.Equal(LeaseLostReason.Revoked, local.LostReason);
    }

    private static async Task<IEnumerable<string>> IdsAsync(Pool pool)
    {
        var ids = new List<string>();
        await using var command = pool.Database.CreateCommand("SELECT lease_id FROM gpupool_leases ORDER BY lease_id COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
