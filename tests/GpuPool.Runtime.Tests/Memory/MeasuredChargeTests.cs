using GpuPool.Runtime.Tests.Sharing;
using GpuPool.Runtime.Tests.Support;

namespace GpuPool.Runtime.Tests.Memory;

/// <summary>On the CPU device a lease is charged what its model was measured to occupy, not the file's size.</summary>
public sealed class MeasuredChargeTests
{
    [Fact]
    public void Load_OnCpuDevice_ChargesMeasuredFootprint()
    {
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(7) };
        using var fixture = new HostFixture(new CountingBackend(), device: TestPool.Cpu(1024), meter: meter);
        var lease = fixture.Lease(64);

        var model = fixture.Load(lease, CountingBackend.Model(2));

        Assert.Equal(ByteSize.MiB(7), model.MemoryBytes);
        Assert.Equal(ByteSize.MiB(7), lease.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(7), fixture.Host.Catalog.ResidentBytes("cpu0"));
    }

    [Fact]
    public void Load_MeasuredBelowEstimate_ChargesTheEstimate()
    {
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(1) };
        using var fixture = new HostFixture(new CountingBackend(), device: TestPool.Cpu(1024), meter: meter);
        var lease = fixture.Lease(64);

        var model = fixture.Load(lease, CountingBackend.Model(3));

        Assert.Equal(ByteSize.MiB(3), model.MemoryBytes);
    }

    [Fact]
    public void Load_MeasuredPastWhatLeaseHasLeft_ThrowsNamingBothFiguresAndReleasesEverything()
    {
        var backend = new CountingBackend();
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(40) };
        using var fixture = new HostFixture(backend, device: TestPool.Cpu(1024), meter: meter);
        var lease = fixture.Lease(64);
        fixture.Load(lease, CountingBackend.Model(1, fill: 1));

        var error = Assert.Throws<QuotaExceededException>(() => fixture.Load(lease, CountingBackend.Model(1, fill: 2)));

        Assert.Contains("40 MiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("24 MiB", error.Message, StringComparison.Ordinal);
        Assert.True(backend.Instances[1].IsDisposed);
        Assert.Equal(ByteSize.MiB(40), lease.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(40), fixture.Host.Catalog.ResidentBytes("cpu0"));
        Assert.Single(fixture.Host.ModelsOf(lease.Id));
    }

    [Fact]
    public void Load_EstimatePastWhatLeaseHasLeft_ThrowsWithoutLoading()
    {
        var backend = new CountingBackend();
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(1) };
        using var fixture = new HostFixture(backend, device: TestPool.Cpu(1024), meter: meter);
        var lease = fixture.Lease(64);

        Assert.Throws<QuotaExceededException>(() => fixture.Load(lease, CountingBackend.Model(65)));

        Assert.Equal(0, backend.Loads);
        Assert.Equal(0, meter.Measurements);
    }

    [Fact]
    public void Load_SharedModel_ChargesEachLeaseInFullAndDeviceBooksCountItOnce()
    {
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(30) };
        using var fixture = new HostFixture(new CountingBackend(), device: TestPool.Cpu(1024), meter: meter);
        var first = fixture.Lease(64);
        var second = fixture.Lease(64);

        fixture.Load(first, CountingBackend.Model(2));
        var shared = fixture.Load(second, CountingBackend.Model(2));

        Assert.Equal(1, meter.Measurements);
        Assert.Equal(ByteSize.MiB(30), first.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(30), second.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(30), fixture.Host.Catalog.ResidentBytes("cpu0"));

        // The inventory shows both, next to the quotas: charged per lease, occupied once.
        var status = Assert.Single(fixture.Table.GetInventory().Devices);
        Assert.Equal(ByteSize.MiB(128), status.AllocatedMemoryBytes);
        Assert.Equal(ByteSize.MiB(60), status.ChargedMemoryBytes);
        Assert.Equal(ByteSize.MiB(30), status.ModelMemoryBytes);

        shared.Unload();
        Assert.Equal(0, second.MemoryUsedBytes);
        Assert.Equal(ByteSize.MiB(30), fixture.Host.Catalog.ResidentBytes("cpu0"));
        status = Assert.Single(fixture.Table.GetInventory().Devices);
        Assert.Equal(ByteSize.MiB(30), status.ChargedMemoryBytes);
        Assert.Equal(ByteSize.MiB(30), status.ModelMemoryBytes);
    }

    [Fact]
    public void Load_ManySmallLeasesOfOneTenant_RefusedOnceMeasuredMemoryReachesCpuCapacity()
    {
        // Files of 1 MiB that occupy 40 MiB once loaded: charged by file size, 64 MiB leases would hold 64 of them each.
        var meter = new FakeMemoryMeter { FootprintBytes = ByteSize.MiB(40) };
        var cpu = TestPool.Cpu(1024);
        using var fixture = new HostFixture(new CountingBackend(), device: cpu, meter: meter);
        var leases = new List<GpuPool.Runtime.Leasing.LeaseEntry>();
        while (fixture.Table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(64), 50)) is { } lease)
        {
            leases.Add(lease);
        }

        var refused = 0;
        var fill = (byte)0;
        foreach (var lease in leases)
        {
            for (var i = 0; i < 4; i++)
            {
                try
                {
                    fixture.Load(lease, CountingBackend.Model(1, fill: ++fill));
                }
                catch (QuotaExceededException)
                {
                    refused++;
                }
            }
        }

        Assert.Equal(16, leases.Count);
        Assert.Equal(16 * 3, refused);
        Assert.All(leases, l => Assert.Equal(ByteSize.MiB(40), l.MemoryUsedBytes));
        Assert.InRange(fixture.Host.Catalog.ResidentBytes(cpu.Id), 0, cpu.TotalMemoryBytes);

        // The inventory shows the measured figures next to the quotas: 16 models of 40 MiB, within the device.
        var status = Assert.Single(fixture.Table.GetInventory().Devices);
        Assert.Equal(cpu.TotalMemoryBytes, status.AllocatedMemoryBytes);
        Assert.Equal(16 * ByteSize.MiB(40), status.ChargedMemoryBytes);
        Assert.Equal(16 * ByteSize.MiB(40), status.ModelMemoryBytes);
        Assert.InRange(status.ModelMemoryBytes, 0, cpu.TotalMemoryBytes);
    }
}
