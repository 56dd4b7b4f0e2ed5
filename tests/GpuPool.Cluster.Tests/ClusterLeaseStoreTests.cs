using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class ClusterLeaseStoreTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task GrantAsync_64WritersOnOneDevice_GrantsExactlyWhatFits()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var writers = new[]
        {
            await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]),
            await pool.Nodes.RegisterAsync("n2", "http://n2", []),
            await pool.Nodes.RegisterAsync("n3", "http://n3", []),
        };

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Task.Run(() => pool.Grants.GrantAsync(writers[i % 3], Pool.Share("n1", "d0", 1, 50)))));

        Assert.Equal(10, outcomes.Count(o => o.Kind == GrantOutcomeKind.Granted));
        Assert.Equal(54, outcomes.Count(o => o.Kind == GrantOutcomeKind.Conflict));
        Assert.Equal(10, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL"));
        Assert.Equal(10, outcomes.Where(o => o.Lease is not null).Select(o => o.Lease!.FencingToken).Distinct().Count());
    }

    [PostgresFact]
    public async Task GrantAsync_SameClientRequestIdTwice_ReturnsTheFirstLease()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);

        var first = await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 1, 50, requestId: "req-1"));
        var retry = await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 1, 50, requestId: "req-1"));

        Assert.Equal(GrantOutcomeKind.Granted, first.Kind);
        Assert.Equal(GrantOutcomeKind.Existing, retry.Kind);
        Assert.Equal(first.Lease!.LeaseId, retry.Lease!.LeaseId);
        Assert.Equal(1, await pool.ScalarAsync("SELECT count(*) FROM gpupool_leases"));
    }

    [PostgresFact]
    public async Task Renew_EndedLease_ReturnsNullAndEndIsIdempotent()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var lease = (await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 1, 50))).Lease!;

        Assert.NotNull(await pool.Leases.RenewAsync(lease.LeaseId, TimeSpan.FromMinutes(1)));
        Assert.True(await pool.Leases.EndAsync(lease.LeaseId, LeaseLostReason.Released));
        Assert.False(await pool.Leases.EndAsync(lease.LeaseId, LeaseLostReason.Released));
        Assert.Null(await pool.Leases.RenewAsync(lease.LeaseId, TimeSpan.FromMinutes(1)));
    }

    [PostgresFact]
    public async Task End_ExpiryRenewedElsewhere_IsRefused()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var lease = (await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 1, 50))).Lease!;

        Assert.False(await pool.Leases.EndAsync(lease.LeaseId, LeaseLostReason.Expired));
        Assert.True(Assert.Single(await pool.Leases.GetAsync([lease.LeaseId])).IsLive);
    }
}
