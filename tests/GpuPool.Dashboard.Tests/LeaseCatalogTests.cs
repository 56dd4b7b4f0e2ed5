using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Tests;

/// <summary>The leases page's catalog: built once per read of the pools, cut into pages per request, never staler than the snapshots.</summary>
public sealed class LeaseCatalogTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly PoolDirectory _directory;
    private readonly LeaseCatalogCache _cache;

    public LeaseCatalogTests()
    {
        var options = new DashboardOptions();
        options.Pools.Add(Pool("pool-a"));
        options.Pools.Add(Pool("pool-b"));
        _directory = new PoolDirectory(Options.Create(options), _clock);
        _cache = new LeaseCatalogCache(_directory);
    }

    [Fact]
    public void Current_SameSnapshots_ReusesTheCatalogAndItsRows()
    {
        _directory.Publish(0, Up("pool-a", Lease("a1", "alpha", grantedSecondsAgo: 5)));
        var first = LeasesView.From(_cache.Current, All(), _clock.GetUtcNow());

        _clock.Advance(TimeSpan.FromSeconds(3));
        var second = LeasesView.From(_cache.Current, All(), _clock.GetUtcNow());

        Assert.Same(_cache.Current, _cache.Current);
        Assert.Equal("5 s", first.Leases[0].Age);
        Assert.Equal("8 s", second.Leases[0].Age); // age and expiry follow the clock on every request
        Assert.Equal("9 min 55 s", first.Leases[0].ExpiresIn);
        Assert.Equal("9 min 52 s", second.Leases[0].ExpiresIn);
        Assert.Same(first.Leases[0].RevokeUrl, second.Leases[0].RevokeUrl);
    }

    [Fact]
    public void Current_PoolReadAgain_ShowsTheNewRead()
    {
        _directory.Publish(0, Up("pool-a", Lease("a1", "alpha", grantedSecondsAgo: 5)));
        var before = _cache.Current;
        Assert.Equal(["a1"], LeasesView.From(before, All(), _clock.GetUtcNow()).Leases.Select(r => r.Id));

        _directory.Publish(0, Up("pool-a", Lease("a2", "beta", grantedSecondsAgo: 1)));

        var after = LeasesView.From(_cache.Current, All(), _clock.GetUtcNow());
        Assert.NotSame(before, _cache.Current);
        Assert.Equal(["a2"], after.Leases.Select(r => r.Id));
        Assert.Equal(["alpha"], before.TenantNames);
        Assert.Equal(["beta"], after.TenantNames);
    }

    [Fact]
    public void From_TwoPools_NewestFirstAndSameMillisecondInPoolOrder()
    {
        _directory.Publish(0, Up("pool-a", Lease("a-old", "alpha", 30), Lease("a-tie-1", "alpha", 10), Lease("a-tie-2", "beta", 10)));
        _directory.Publish(1, Up("pool-b", Lease("b-new", "beta", 1), Lease("b-tie", "alpha", 10)));

        var view = LeasesView.From(_cache.Current, All(), _clock.GetUtcNow());

        Assert.Equal(["b-new", "a-tie-1", "a-tie-2", "b-tie", "a-old"], view.Leases.Select(r => r.Id));
        Assert.Equal(["pool-a", "pool-b"], view.PoolNames);
        Assert.Equal(["alpha", "beta"], view.TenantNames);
        Assert.Equal("5 lease(s)", view.Count);
    }

    [Fact]
    public void From_FilteredAndPaged_CountsOnlyMatchesAndLinksThePages()
    {
        var leases = Enumerable.Range(0, 250).Select(i => Lease($"a{i:000}", i % 2 == 0 ? "alpha" : "beta", grantedSecondsAgo: i)).ToArray();
        _directory.Publish(0, Up("pool-a", leases));
        _directory.Publish(1, Up("pool-b", Lease("b1", "alpha", 0)));

        var alphaOfA = LeasesView.From(_cache.Current, new LeaseFilter("pool-a", "alpha", 2), _clock.GetUtcNow());
        var lastPage = LeasesView.From(_cache.Current, new LeaseFilter(null, null, 9), _clock.GetUtcNow());

        Assert.Equal("125 lease(s), page 2 of 2", alphaOfA.Count);
        Assert.Equal(25, alphaOfA.Leases.Count);
        Assert.All(alphaOfA.Leases, r => Assert.Equal(("pool-a", "alpha"), (r.Pool, r.Tenant)));
        Assert.Equal("a200", alphaOfA.Leases[0].Id);
        Assert.Equal("/Leases?pool=pool-a&tenant=alpha&p=1", alphaOfA.PreviousUrl);
        Assert.Null(alphaOfA.NextUrl);
        Assert.Equal("251 lease(s), page 3 of 3", lastPage.Count); // a page past the end shows the last one
        Assert.Equal(51, lastPage.Leases.Count);
        Assert.Equal("a249", lastPage.Leases[^1].Id);
    }

    [Fact]
    public void From_PoolDown_LeavesItsLeasesOutAndSaysSo()
    {
        _directory.Publish(0, Up("pool-a", Lease("a1", "alpha", 5)));
        _directory.Publish(1, new PoolSnapshot { Name = "pool-b", Addresses = [], Status = PoolStatus.Down, Problem = "No answer in time.", TakenAt = Start });

        var view = LeasesView.From(_cache.Current, All(), _clock.GetUtcNow());

        Assert.Equal(["a1"], view.Leases.Select(r => r.Id));
        Assert.Equal(["Pool pool-b is down: No answer in time."], view.Notices.Select(n => n.Text));
    }

    public void Dispose() => _directory.Dispose();

    private static LeaseFilter All() => new(null, null);

    private static PoolOptions Pool(string name)
    {
        var pool = new PoolOptions { Name = name, AdminKey = "unused" };
        pool.Addresses.Add("http://127.0.0.1:9"); // never called: snapshots are published by hand
        return pool;
    }

    private static PoolSnapshot Up(string pool, params V1.Lease[] leases) =>
        new() { Name = pool, Addresses = [], Status = PoolStatus.Up, TakenAt = Start, Leases = leases };

    private static V1.Lease Lease(string id, string tenant, int grantedSecondsAgo) => new()
    {
        Id = id,
        Tenant = tenant,
        Devices = { new V1.Device { Id = "cpu:0", Node = "node" } },
        MemoryBytes = 64L << 20,
        ComputeMilli = 250,
        GrantedAtUnixMs = Start.AddSeconds(-grantedSecondsAgo).ToUnixTimeMilliseconds(),
        ExpiresAtUnixMs = Start.AddSeconds(-grantedSecondsAgo).AddMinutes(10).ToUnixTimeMilliseconds(),
    };
}
