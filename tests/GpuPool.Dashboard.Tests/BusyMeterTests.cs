using GpuPool.Dashboard.Pools;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Tests;

/// <summary>A device's measured busy time (a running total) turned into utilisation over the busy window, on a fake clock.</summary>
public sealed class BusyMeterTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly BusyMeter _meter = new(Options.Create(new DashboardOptions { BusyWindow = TimeSpan.FromSeconds(10) }));

    [Fact]
    public void Record_FirstRead_NoFractionYet()
    {
        Assert.Empty(Read(busySeconds: 5, slots: 1));
    }

    [Fact]
    public void Record_HalfTheWallTimeBusy_HalfOnOneSlotAQuarterOnTwo()
    {
        Read(busySeconds: 0, slots: 1, pool: "one");
        Read(busySeconds: 0, slots: 2, pool: "two");
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(0.5, Read(busySeconds: 5, slots: 1, pool: "one")["n/cpu0"], 6);
        Assert.Equal(0.25, Read(busySeconds: 5, slots: 2, pool: "two")["n/cpu0"], 6);
    }

    [Fact]
    public void Record_AfterTheWindow_MeasuresOnlyTheLastWindow()
    {
        Read(busySeconds: 0, slots: 1);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Read(busySeconds: 10, slots: 1); // fully busy for the first 10 s
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(0, Read(busySeconds: 10, slots: 1)["n/cpu0"], 6); // idle since
    }

    [Fact]
    public void Record_ServerRestarted_StartsAgainInsteadOfGoingNegative()
    {
        Read(busySeconds: 100, slots: 1);
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(Read(busySeconds: 1, slots: 1));
        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0.5, Read(busySeconds: 3, slots: 1)["n/cpu0"], 6);
    }

    private IReadOnlyDictionary<string, double> Read(double busySeconds, int slots, string pool = "pool-a")
    {
        var report = new V1.GetUsageResponse { Node = "n" };
        report.Devices.Add(new V1.DeviceUsage { Node = "n", DeviceId = "cpu0", BusySeconds = busySeconds, RunSlots = slots });
        return _meter.Record(pool, PoolUsage.Merge([report], []), _clock.GetUtcNow());
    }
}
