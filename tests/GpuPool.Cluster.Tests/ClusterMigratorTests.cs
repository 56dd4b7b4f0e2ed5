using GpuPool.Cluster.Schema;
using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class ClusterMigratorTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task MigrateAsync_FromVersion1_UpgradesAndKeepsLeases()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server, schemaVersion: 1);
        await pool.ExecuteAsync("""
            INSERT INTO gpupool_nodes VALUES ('n1', 'http://n1', 1, 'alive', now(), now());
            INSERT INTO gpupool_leases (lease_id, tenant, node_id, node_epoch, device_ids, memory_bytes, milli, priority, ttl_ms, granted_at, expires_at, fencing_token)
            VALUES ('ls_old', 'alpha', 'n1', 1, '{d0}', 1024, 250, 1, 60000, now(), now() + interval '1 minute', 1);
            """);

        var found = await new ClusterMigrator(pool.Database, NullLogger.Instance).MigrateAsync();

        Assert.Equal(1, found);
        Assert.Equal(ClusterSchema.LatestVersion, await pool.ScalarAsync("SELECT max(version) FROM gpupool_schema"));
        Assert.Equal(0, await pool.ScalarAsync("SELECT cpu_milli FROM gpupool_leases WHERE lease_id = 'ls_old'"));
        Assert.Equal(1, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE lease_id = 'ls_old' AND NOT whole_devices"));
    }

    [PostgresFact]
    public async Task MigrateAsync_FromVersion3_BatchGrantsCountTheLeasesBefore()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server, schemaVersion: 3);
        await pool.ExecuteAsync("""
            INSERT INTO gpupool_nodes VALUES ('n1', 'http://n1', 1, 'alive', now(), now());
            INSERT INTO gpupool_devices (node_id, device_id, kind, vendor, model, memory_bytes) VALUES ('n1', 'd0', 1, 0, 'sim', 10737418240);
            """);
        var node = new Nodes.NodeRegistration("n1", "http://n1", 1); // as a server of version 3 registered it
        var before = await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 8, 100));

        var found = await new ClusterMigrator(pool.Database, NullLogger.Instance).MigrateAsync();
        var outcomes = await new GrantBatches(pool.Database).GrantAsync(node, [Pool.Share("n1", "d0", 4, 100), Pool.Share("n1", "d0", 2, 100)]);

        Assert.Equal(3, found);
        Assert.Equal(GrantOutcomeKind.Granted, before.Kind);
        Assert.Equal([GrantOutcomeKind.Conflict, GrantOutcomeKind.Granted], outcomes.Select(o => o.Kind));
        Assert.Equal(2, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL"));
    }

    [PostgresFact]
    public async Task MigrateAsync_AtLatest_ChangesNothing()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);

        var found = await new ClusterMigrator(pool.Database, NullLogger.Instance).MigrateAsync();

        Assert.Equal(ClusterSchema.LatestVersion, found);
        Assert.Equal(ClusterSchema.LatestVersion, await pool.ScalarAsync("SELECT count(*) FROM gpupool_schema"));
    }

    [PostgresFact]
    public async Task MigrateAsync_NewerSchema_RefusesToStart()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        await pool.ExecuteAsync("INSERT INTO gpupool_schema VALUES (99)");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new ClusterMigrator(pool.Database, NullLogger.Instance).MigrateAsync());

        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }
}
