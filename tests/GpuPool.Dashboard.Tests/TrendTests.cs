using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Tests;

/// <summary>The overview's last-hour trends, kept by the dashboard itself, on a fake clock.</summary>
public sealed class TrendTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly TrendHistory _trends = new(Options.Create(new DashboardOptions { TrendInterval = TimeSpan.FromSeconds(10), TrendWindow = TimeSpan.FromHours(1) }));

    [Fact]
    public void Record_ReadsWithinAnInterval_KeepsOnePointPerInterval()
    {
        _trends.Record(Up(leases: 1), _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(5));
        _trends.Record(Up(leases: 7), _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(5));
        _trends.Record(Up(leases: 2), _clock.GetUtcNow());

        Assert.Equal([1, 2], _trends.For("pool-a").Select(p => p.Leases));
    }

    [Fact]
    public void Record_OverMoreThanAnHour_DropsPointsOlderThanTheWindow()
    {
        for (var i = 0; i <= 400; i++)
        {
            _trends.Record(Up(leases: i), _clock.GetUtcNow());
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        var points = _trends.For("pool-a");
        Assert.Equal(361, points.Count); // one an interval, an hour back, both ends included
        Assert.Equal(40, points[0].Leases);
        Assert.Equal(400, points[^1].Leases);
        Assert.True(points[^1].At - points[0].At <= TimeSpan.FromHours(1));
    }

    [Fact]
    public void Record_PoolDown_KeepsAGapNotAZeroReading()
    {
        _trends.Record(Up(leases: 3, memoryMiB: 64), _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(10));
        _trends.Record(new PoolSnapshot { Name = "pool-a", Addresses = [], Status = PoolStatus.Down, TakenAt = _clock.GetUtcNow() }, _clock.GetUtcNow());

        var points = _trends.For("pool-a");
        Assert.Equal(64L << 20, points[0].MemoryAllocatedBytes);
        Assert.Null(points[1].Leases);
        Assert.Null(points[1].MemoryAllocatedBytes);
    }

    [Fact]
    public void Overview_TrendOfLeases_DrawnOldestLeftHighestAtTheTop()
    {
        foreach (var leases in new[] { 0, 2, 4 })
        {
            _trends.Record(Up(leases), _clock.GetUtcNow());
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        var row = OverviewView.From([Up(4)], _trends, _clock.GetUtcNow()).Pools[0];

        // 120 × 24 box: x from 0 to 120; the highest value 1 px from the top, zero 1 px from the bottom.
        Assert.Equal("0,23 60,12 120,1", row.LeaseTrend);
    }

    [Fact]
    public void Overview_SecondPool_HasItsOwnTrend()
    {
        _trends.Record(Up(leases: 1), _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(10));
        _trends.Record(Up(leases: 2), _clock.GetUtcNow());

        var view = OverviewView.From([Up(2), Up(0) with { Name = "pool-b" }], _trends, _clock.GetUtcNow());

        Assert.NotEqual("", view.Pools[0].LeaseTrend);
        Assert.Equal("", view.Pools[1].LeaseTrend); // no points yet: no line, not a flat zero
    }

    private PoolSnapshot Up(int leases, long memoryMiB = 0) => new()
    {
        Name = "pool-a",
        Addresses = ["http://127.0.0.1:1"],
        Status = PoolStatus.Up,
        TakenAt = _clock.GetUtcNow(),
        Leases = [.. Enumerable.Range(0, leases).Select(i => new V1.Lease { Id = $"l{i}", Tenant = "alpha" })],
        Devices = [new V1.DeviceStatus { Device = new V1.Device { Id = "cpu0", Node = "n" }, AllocatedMemoryBytes = memoryMiB << 20 }],
    };
}
