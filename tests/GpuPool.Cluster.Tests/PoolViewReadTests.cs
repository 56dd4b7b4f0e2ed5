using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Tests;

/// <summary>When the view reads the pool again, and that the placement policy sees each request once, as a single server's allocator does.</summary>
[Collection(PostgresDefinition.Name)]
public sealed class PoolViewReadTests(PostgresFixture postgres)
{
    private static readonly PlacementRequest EightGiB = PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(8), 100));

    [PostgresFact]
    public async Task PlaceAsync_NothingFitsByDefault_ReadsBeforeEveryRefusal()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 8, 100));
        var view = new PoolView(pool.Leases, () => PlacementPolicies.Create(PlacementPolicies.Default), TimeProvider.System, TimeSpan.FromHours(1));

        Assert.Null(await view.PlaceAsync(EightGiB, CancellationToken.None));
        Assert.Null(await view.PlaceAsync(EightGiB, CancellationToken.None));

        Assert.Equal(2, view.Reads); // a release committed elsewhere a moment ago is never missed
    }

    [PostgresFact]
    public async Task PlaceAsync_TrustingAnnouncedEndsNothingFitsAndNoCountedLeaseExpired_AnswersWithoutReadingUntilOneMayHave()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var lease = (await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 8, 100))).Lease!; // five minutes
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var view = new PoolView(pool.Leases, () => PlacementPolicies.Create(PlacementPolicies.Default), clock, TimeSpan.FromHours(1), trustAnnouncedEnds: true);

        var first = await view.PlaceAsync(EightGiB, CancellationToken.None);
        var again = await view.PlaceAsync(EightGiB, CancellationToken.None);
        var readsBefore = view.Reads;
        clock.Now = lease.ExpiresAt.AddSeconds(1); // by this server's clock the lease may have ended unannounced
        var afterExpiry = await view.PlaceAsync(EightGiB, CancellationToken.None);

        Assert.Null(first);
        Assert.Null(again);
        Assert.Equal(1, readsBefore);
        Assert.Null(afterExpiry); // the database's clock has not moved: still live
        Assert.Equal(2, view.Reads);
    }

    [PostgresFact]
    public async Task PlaceAsync_ReadsOfTheSamePool_OnePolicyAskedOncePerRequest()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10), Pool.Gpu("n1", "d1", 10)]);
        var policies = new List<CountingPolicy>();
        var view = new PoolView(pool.Leases, () => { policies.Add(new CountingPolicy()); return policies[^1]; }, TimeProvider.System, TimeSpan.FromHours(1));

        var placed = await view.PlaceAsync(EightGiB, CancellationToken.None); // with its alternative
        view.Cancel(placed!);
        view.Invalidate();
        await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 8, 100)); // another server's grant, read with the pool
        var second = await view.PlaceAsync(EightGiB, CancellationToken.None);
        view.Confirm(second!, (await pool.Grants.GrantAsync(node, Pool.Share("n1", second!.Decision.DeviceIds[0], 8, 100))).Lease!);
        view.Invalidate();
        var none = await view.PlaceAsync(EightGiB, CancellationToken.None); // a fresh read: nothing fits
        await pool.Nodes.RegisterAsync("n2", "http://n2", [Pool.Gpu("n2", "d0", 10)]);
        view.Invalidate();
        var onNewNode = await view.PlaceAsync(EightGiB, CancellationToken.None);

        Assert.NotNull(placed!.Alternative);
        Assert.Equal(["d1"], second.Decision.DeviceIds);
        Assert.Null(none);
        Assert.Equal("n2", onNewNode!.Decision.NodeId);
        var policy = Assert.Single(policies); // kept across reads, a node joining included
        Assert.Equal(4, policy.Asked); // once per request: the alternative is not asked of it
        Assert.Equal(4, view.Reads);
    }
}
