using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Sharing;

public sealed class ModelSharingTests
{
    private static readonly Dictionary<string, TensorValue> Input = new() { ["x"] = TensorValue.FromArray([1f, 2f], 2) };

    [Fact]
    public void Load_SameBytesInTwoLeases_StoresOnceAndChargesEachInFull()
    {
        var (backend, fixture, a, b) = TwoLeases();
        using var owner = fixture;

        var first = fixture.Load(a, CountingBackend.Model(100));
        var second = fixture.Load(b, CountingBackend.Model(100));

        Assert.Equal(1, backend.Loads);
        Assert.Same(first.Instance, second.Instance);
        Assert.Equal(first.ContentHash, second.ContentHash);
        Assert.Equal(ByteSize.MiB(100), a.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(100), b.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(100), fixture.Host.Catalog.ResidentBytes("gpu0"));
    }

    [Fact]
    public void Load_DifferentBytes_LoadsSeparately()
    {
        var backend = new CountingBackend();
        using var fixture = new HostFixture(backend);
        var a = fixture.Lease(300);

        var first = fixture.Load(a, CountingBackend.Model(100, fill: 1));
        var second = fixture.Load(a, CountingBackend.Model(100, fill: 2));

        Assert.Equal(2, backend.Loads);
        Assert.NotSame(first.Instance, second.Instance);
        Assert.Equal(ByteSize.MiB(200), a.MemoryUsedBytes);
    }

    [Fact]
    public void Unload_LastUserReleases_DisposesAndUnchargesEach()
    {
        var (backend, fixture, a, b) = TwoLeases();
        using var owner = fixture;
        var first = fixture.Load(a, CountingBackend.Model(100));
        var second = fixture.Load(b, CountingBackend.Model(100));

        first.Unload();
        Assert.False(backend.Instances[0].IsDisposed);
        Assert.Equal(0, a.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(100), b.MemoryUsedBytes);

        second.Unload();
        Assert.True(backend.Instances[0].IsDisposed);
        Assert.Equal(0, b.MemoryUsedBytes);
        Assert.Equal(0, fixture.Host.Catalog.ResidentBytes("gpu0"));
    }

    [Fact]
    public void Release_LeaseEnds_ReleasesItsShareOfTheModel()
    {
        var (backend, fixture, a, b) = TwoLeases();
        using var owner = fixture;
        fixture.Load(a, CountingBackend.Model(100));
        var kept = fixture.Load(b, CountingBackend.Model(100));

        fixture.Table.Release(a);
        Assert.False(backend.Instances[0].IsDisposed);
        Assert.Empty(fixture.Host.ModelsOf(a.Id));

        fixture.Table.Release(b);
        Assert.True(backend.Instances[0].IsDisposed);
        Assert.True(kept.IsUnloaded);
    }

    [Fact]
    public async Task Unload_WhileRunInFlight_DisposesAfterTheRun()
    {
        using var hold = new ManualResetEventSlim();
        var backend = new CountingBackend { HoldRuns = hold };
        using var fixture = new HostFixture(backend);
        var a = fixture.Lease(200);
        var model = fixture.Load(a, CountingBackend.Model(100));
        var run = Task.Run(async () => await model.RunAsync(Input));
        backend.RunStarted.Wait(TimeSpan.FromSeconds(30));

        model.Unload();

        Assert.False(backend.Instances[0].IsDisposed);
        Assert.Equal(0, a.MemoryUsedBytes);
        hold.Set();
        var outputs = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1f, 2f], outputs["y"].ToArray<float>());
        Assert.True(backend.Instances[0].IsDisposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await model.RunAsync(Input));
    }

    [Fact]
    public void Unload_WithCache_KeepsModelForTheNextLoad()
    {
        var backend = new CountingBackend();
        using var fixture = new HostFixture(backend, unusedCacheBytes: ByteSize.MiB(500));
        var a = fixture.Lease(200);
        var b = fixture.Lease(200);
        fixture.Load(a, CountingBackend.Model(100)).Unload();

        var again = fixture.Load(b, CountingBackend.Model(100));

        Assert.Equal(1, backend.Loads);
        Assert.Same(backend.Instances[0], again.Instance);
        Assert.Equal(ByteSize.MiB(100), b.MemoryUsedBytes);
    }

    [Fact]
    public void Unload_CacheOverBudget_EvictsLeastRecentlyUsed()
    {
        var backend = new CountingBackend();
        var time = new FakeTimeProvider();
        using var fixture = new HostFixture(backend, unusedCacheBytes: ByteSize.MiB(500), time: time);
        var a = fixture.Lease(900);
        var older = fixture.Load(a, CountingBackend.Model(300, fill: 1));
        var newer = fixture.Load(a, CountingBackend.Model(300, fill: 2));

        older.Unload();
        time.Advance(TimeSpan.FromSeconds(1));
        newer.Unload();

        Assert.True(backend.Instances[0].IsDisposed);
        Assert.False(backend.Instances[1].IsDisposed);
        Assert.Equal(ByteSize.MiB(300), fixture.Host.Catalog.ResidentBytes("gpu0"));
    }

    [Fact]
    public void Load_DeviceMemoryNeeded_EvictsUnusedModelsLeastRecentlyUsedFirst()
    {
        var backend = new CountingBackend();
        var time = new FakeTimeProvider();
        using var fixture = new HostFixture(backend, deviceGiB: 1, unusedCacheBytes: ByteSize.GiB(1), time: time);
        var a = fixture.Lease(1000);
        var oldest = fixture.Load(a, CountingBackend.Model(400, fill: 1));
        var recent = fixture.Load(a, CountingBackend.Model(300, fill: 2));
        oldest.Unload();
        time.Advance(TimeSpan.FromSeconds(1));
        recent.Unload();
        time.Advance(TimeSpan.FromSeconds(1));

        // 700 MiB unused are resident; 500 MiB more do not fit in the 1 GiB device.
        fixture.Load(a, CountingBackend.Model(500, fill: 3));

        Assert.True(backend.Instances[0].IsDisposed);
        Assert.False(backend.Instances[1].IsDisposed);
        Assert.Equal(ByteSize.MiB(800), fixture.Host.Catalog.ResidentBytes("gpu0"));
    }

    [Fact]
    public void Load_OverQuota_RejectsWithoutLoading()
    {
        var backend = new CountingBackend();
        using var fixture = new HostFixture(backend);
        var a = fixture.Lease(150);
        fixture.Load(a, CountingBackend.Model(100, fill: 1));

        var rejected = Assert.Throws<QuotaExceededException>(() => fixture.Load(a, CountingBackend.Model(100, fill: 2)));

        Assert.Contains("50 MiB", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(1, backend.Loads);
    }

    private static (CountingBackend Backend, HostFixture Fixture, LeaseEntry A, LeaseEntry B) TwoLeases()
    {
        var backend = new CountingBackend();
        var fixture = new HostFixture(backend);
        return (backend, fixture, fixture.Lease(200), fixture.Lease(200));
    }
}
