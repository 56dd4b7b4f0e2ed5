using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Devices.Ascend;
using GpuPool.Runtime.Tests.Devices.Fakes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Tests.Devices;

public sealed class AscendDeviceProviderTests : IDisposable
{
    private readonly FakeDcmi _dcmi = new();

    public void Dispose() => _dcmi.Dispose();

    [Fact]
    public void Discover_TwoCards_OffersEachChipByLogicalIdWithModelAiCoresHbmAndDieId()
    {
        _dcmi.Chips.Add(new FakeAscendChip { Card = 2, Device = 0, LogicId = 1 });
        _dcmi.Chips.Add(new FakeAscendChip { Card = 1, Device = 0, LogicId = 0, ChipName = "910B4", AiCores = 24, HbmMb = 32768 });

        var devices = Provider(_dcmi.Library()).Discover("node-a");

        Assert.Collection(
            devices,
            d =>
            {
                Assert.Equal(("ascend0", DeviceKind.Accelerator, DeviceVendor.Huawei, "Ascend910B4", 0, 24), (d.Id, d.Kind, d.Vendor, d.Model, d.Ordinal, d.ComputeUnits));
                Assert.Equal(ByteSize.GiB(32), d.TotalMemoryBytes);
            },
            d =>
            {
                Assert.Equal(("ascend1", "Ascend910B3", 1, 20), (d.Id, d.Model, d.Ordinal, d.ComputeUnits));
                Assert.Equal(ByteSize.GiB(64), d.TotalMemoryBytes);
                Assert.Equal("1111111122222222333333334444444455555555", d.Uuid);
            });
    }

    [Fact]
    public void Discover_ChipWithoutHbm_TakesDdrFromMemoryInfoV3()
    {
        _dcmi.Chips.Add(new FakeAscendChip { ChipName = "310P3", HbmMb = null, DdrMb = 24576, DdrAvailableMb = 20480 });
        var provider = Provider(_dcmi.Library());

        var device = Assert.Single(provider.Discover("node-a"));

        Assert.Equal(ByteSize.GiB(24), device.TotalMemoryBytes);
        Assert.Equal(ByteSize.GiB(4), provider.Sample(device).UsedMemoryBytes);
    }

    [Fact]
    public void Discover_LibraryAbsent_OffersNothingAndLogsOneDebugLine()
    {
        var logger = new FakeLogger<AscendDeviceProvider>();
        var options = new GpuPoolRuntimeOptions { Ascend = { DcmiLibrary = "/nonexistent/libdcmi.so" } };

        var devices = new AscendDeviceProvider(new DcmiLibrary(options.Ascend.DcmiLibrary), Options.Create(options), logger).Discover("node-a");

        Assert.Empty(devices);
        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((LogLevel.Debug, 1703), (record.Level, record.Id.Id));
    }

    [Fact]
    public void Discover_InitFails_OffersNothing()
    {
        _dcmi.InitCode = -8005;
        _dcmi.Chips.Add(new FakeAscendChip());
        var library = _dcmi.Library();

        Assert.Empty(Provider(library).Discover("node-a"));
        Assert.False(library.TryInitialize(out var error));
        Assert.Contains("inner error", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_QueryFails_OffersNothing()
    {
        _dcmi.Chips.Add(new FakeAscendChip());
        var library = _dcmi.Library();
        Assert.True(library.TryInitialize(out _));
        _dcmi.FailCode = -8009;

        Assert.Empty(Provider(library).Discover("node-a"));
    }

    [Fact]
    public void Sample_Healthy_ReportsUsedHbmAndAiCoreUtilisation()
    {
        _dcmi.Chips.Add(new FakeAscendChip { HbmUsedMb = 8192, AiCoreRate = 64 });
        var provider = Provider(_dcmi.Library());
        var device = Assert.Single(provider.Discover("node-a"));

        var sample = provider.Sample(device);

        Assert.Equal((DeviceHealth.Healthy, ByteSize.GiB(8), 64), (sample.Health, sample.UsedMemoryBytes, sample.BusyPercent));
        Assert.All(_dcmi.UtilizationTypesAsked, type => Assert.Equal(2, type));
    }

    [Theory]
    [InlineData(1u, DeviceHealth.Healthy)]
    [InlineData(2u, DeviceHealth.Unhealthy)]
    [InlineData(3u, DeviceHealth.Unhealthy)]
    public void Sample_DeviceHealthAlarm_MapsMajorAndCriticalToUnhealthy(uint alarm, DeviceHealth expected)
    {
        var chip = new FakeAscendChip();
        _dcmi.Chips.Add(chip);
        var provider = Provider(_dcmi.Library());
        var device = Assert.Single(provider.Discover("node-a"));
        chip.Health = alarm;

        var sample = provider.Sample(device);

        Assert.Equal(expected, sample.Health);
        Assert.NotNull(sample.Reason);
    }

    [Fact]
    public void Sample_LibraryFailsMidRun_ReportsUnhealthyWithTheCode()
    {
        _dcmi.Chips.Add(new FakeAscendChip());
        var provider = Provider(_dcmi.Library());
        var device = Assert.Single(provider.Discover("node-a"));
        _dcmi.FailCode = -8008;

        var sample = provider.Sample(device);

        Assert.Equal(DeviceHealth.Unhealthy, sample.Health);
        Assert.Contains("device does not exist", sample.Reason, StringComparison.Ordinal);
    }

    private static AscendDeviceProvider Provider(IDcmi dcmi, bool enabled = true) =>
        new(dcmi, Options.Create(new GpuPoolRuntimeOptions { Ascend = { Enabled = enabled } }), NullLogger<AscendDeviceProvider>.Instance);
}
