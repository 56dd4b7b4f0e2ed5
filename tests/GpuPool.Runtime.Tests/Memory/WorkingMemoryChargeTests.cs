using GpuPool.Runtime.Tests.Sharing;
using GpuPool.Runtime.Tests.Support;

namespace GpuPool.Runtime.Tests.Memory;

/// <summary>
/// A run larger than any before it is measured, and the working memory it grew is charged to the lease that ran
/// it (and booked on the device); a lease that cannot hold it is refused with both figures named.
/// </summary>
public sealed class WorkingMemoryChargeTests
{
    [Fact]
    public async Task Run_LargerThanAnyBefore_MeasuredOnceAndItsWorkingMemoryCharged()
    {
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(10), WarmUpElements = 1, RunGrowthBytes = ByteSize.MiB(6) };
        using var fixture = new HostFixture(new CountingBackend(), device: TestPool.Cpu(1024), meter: meter);
        var lease = fixture.Lease(64);
        var model = fixture.Load(lease, CountingBackend.Model(1));

        await model.RunAsync(Rows(1));
        Assert.Equal(0, meter.RunMeasurements);
        Assert.Equal(ByteSize.MiB(10), lease.MemoryUsedBytes);

        await model.RunAsync(Rows(32));
        Assert.Equal(1, meter.RunMeasurements);
        Assert.Equal(ByteSize.MiB(16), model.MemoryBytes);
        Assert.Equal(ByteSize.MiB(16), lease.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(16), fixture.Host.Catalog.ResidentBytes("cpu0"));

        // Sizes measured before (or smaller) are covered: not measured, not charged again.
        await model.RunAsync(Rows(32));
        await model.RunAsync(Rows(8));
        Assert.Equal(1, meter.RunMeasurements);
        Assert.Equal(ByteSize.MiB(16), lease.MemoryUsedBytes);

        model.Unload();
        Assert.Equal(0, lease.MemoryUsedBytes);
        Assert.Equal(0, fixture.Host.Catalog.ResidentBytes("cpu0"));
    }

    [Fact]
    public async Task Run_WorkingMemoryPastWhatLeaseHasLeft_RefusedNamingBothFiguresAndNeighboursUnaffected()
    {
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(40), WarmUpElements = 1, RunGrowthBytes = ByteSize.MiB(30) };
        using var fixture = new HostFixture(new CountingBackend(), device: TestPool.Cpu(1024), meter: meter);
        var lease = fixture.Lease(64);
        var neighbour = fixture.Lease(64);
        var model = fixture.Load(lease, CountingBackend.Model(1, fill: 1));
        var other = fixture.Load(neighbour, CountingBackend.Model(1, fill: 2));

        var error = await Assert.ThrowsAsync<QuotaExceededException>(async () => await model.RunAsync(Rows(32)));

        Assert.Contains("70 MiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("24 MiB", error.Message, StringComparison.Ordinal);
        Assert.Equal(ByteSize.MiB(40), lease.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(40), model.MemoryBytes);

        // The memory the run grew is resident whoever pays for it: the device's books hold it.
        Assert.Equal(ByteSize.MiB(40 + 30 + 40), fixture.Host.Catalog.ResidentBytes("cpu0"));

        // That size is now known: refused again without running or measuring; smaller runs still go.
        await Assert.ThrowsAsync<QuotaExceededException>(async () => await model.RunAsync(Rows(16)));
        Assert.Equal(1, meter.RunMeasurements);
        var small = await model.RunAsync(Rows(1));
        Assert.Equal([0f], small["y"].ToArray<float>());

        // The neighbour's model, quota and runs are untouched.
        var neighbours = await other.RunAsync(Rows(1));
        Assert.Equal([0f], neighbours["y"].ToArray<float>());
        Assert.Equal(ByteSize.MiB(40), neighbour.MemoryUsedBytes);
    }

    [Fact]
    public async Task Run_SharedModelAtSizeAnotherLeaseMeasured_ChargedInFullWithoutMeasuringAgainAndBookedOnce()
    {
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(10), WarmUpElements = 1, RunGrowthBytes = ByteSize.MiB(6) };
        using var fixture = new HostFixture(new CountingBackend(), device: TestPool.Cpu(1024), meter: meter);
        var first = fixture.Lease(64);
        var second = fixture.Lease(64);
        var a = fixture.Load(first, CountingBackend.Model(1));
        var b = fixture.Load(second, CountingBackend.Model(1));

        await a.RunAsync(Rows(32));
        Assert.Equal(ByteSize.MiB(10), second.MemoryUsedBytes);
        await b.RunAsync(Rows(32));

        Assert.Equal(1, meter.RunMeasurements);
        Assert.Equal(ByteSize.MiB(16), first.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(16), second.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(16), fixture.Host.Catalog.ResidentBytes("cpu0"));
    }

    private static Dictionary<string, TensorValue> Rows(int count) => new(StringComparer.Ordinal) { ["x"] = TensorValue.FromArray(new float[count], count) };
}
