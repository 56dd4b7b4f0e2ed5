using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Devices.Amd;
using GpuPool.Runtime.Tests.Devices.Fakes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Tests.Devices;

public sealed class AmdDeviceProviderTests : IDisposable
{
    private readonly FakeRocmSmi _smi = new();

    public void Dispose() => _smi.Dispose();

    [Fact]
    public void Discover_LibraryPresent_OffersEachDeviceWithNameUuidAndVram()
    {
        _smi.Gpus.Add(new FakeAmdGpu());
        _smi.Gpus.Add(new FakeAmdGpu { Name = "AMD Instinct MI250X", UniqueId = null, VramTotal = 64UL << 30 });

        var devices = Provider(_smi.Library()).Discover("node-a");

        Assert.Collection(
            devices,
            d =>
            {
                Assert.Equal(("amd0", "node-a", DeviceKind.Gpu, DeviceVendor.Amd, "AMD Instinct MI300X", 0), (d.Id, d.Node, d.Kind, d.Vendor, d.Model, d.Ordinal));
                Assert.Equal(ByteSize.GiB(192), d.TotalMemoryBytes);
                Assert.Equal("GPU-1a2b3c4d5e6f7081", d.Uuid);
            },
            d =>
            {
                Assert.Equal(("amd1", "AMD Instinct MI250X", 1), (d.Id, d.Model, d.Ordinal));
                Assert.Equal(ByteSize.GiB(64), d.TotalMemoryBytes);
                Assert.Null(d.Uuid);
            });
        Assert.All(_smi.MemoryTypesAsked, type => Assert.Equal(0, type));
    }

    [Fact]
    public void Discover_HygonVendorId_OffersAHygonDevice()
    {
        _smi.Gpus.Add(new FakeAmdGpu { Name = "DCU K100_AI", VendorId = 0x1d94 });

        var device = Assert.Single(Provider(_smi.Library()).Discover("node-a"));

        Assert.Equal(("hygon0", DeviceVendor.Hygon), (device.Id, device.Vendor));
    }

    [Fact]
    public void Discover_NameLongerThanTheBuffer_IsCutNotFailed()
    {
        _smi.Gpus.Add(new FakeAmdGpu { Name = new string('x', 300) });

        var device = Assert.Single(Provider(_smi.Library()).Discover("node-a"));

        Assert.Equal(256, device.Model.Length);
    }

    [Fact]
    public void Discover_LibraryAbsent_OffersNothingAndLogsOneDebugLine()
    {
        var logger = new FakeLogger<AmdDeviceProvider>();
        var options = new GpuPoolRuntimeOptions { Amd = { RocmSmiLibrary = "/nonexistent/librocm_smi64.so" } };

        var devices = new AmdDeviceProvider(new RocmSmiLibrary(options.Amd.RocmSmiLibrary), Options.Create(options), logger).Discover("node-a");

        Assert.Empty(devices);
        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((LogLevel.Debug, 1700), (record.Level, record.Id.Id));
        Assert.Contains("/nonexistent/librocm_smi64.so", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_InitFails_OffersNothing()
    {
        _smi.InitStatus = 8;
        _smi.Gpus.Add(new FakeAmdGpu());
        var library = _smi.Library();

        Assert.Empty(Provider(library).Discover("node-a"));
        Assert.False(library.TryInitialize(out var error));
        Assert.Contains("initialization error", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_Disabled_DoesNotLoadTheLibrary()
    {
        _smi.Gpus.Add(new FakeAmdGpu());

        Assert.Empty(Provider(_smi.Library(), enabled: false).Discover("node-a"));
        Assert.False(_smi.Initialized);
    }

    [Fact]
    public void Discover_QueryFails_OffersNothing()
    {
        _smi.Gpus.Add(new FakeAmdGpu());
        var library = _smi.Library();
        Assert.True(library.TryInitialize(out _));
        _smi.FailStatus = 3;

        Assert.Empty(Provider(library).Discover("node-a"));
    }

    [Fact]
    public void Sample_LibraryWorks_ReportsUsedVramAndBusyPercent()
    {
        _smi.Gpus.Add(new FakeAmdGpu { VramUsed = 5UL << 30, BusyPercent = 81 });
        var provider = Provider(_smi.Library());
        var device = Assert.Single(provider.Discover("node-a"));

        var sample = provider.Sample(device);

        Assert.Equal((DeviceHealth.Healthy, ByteSize.GiB(5), 81), (sample.Health, sample.UsedMemoryBytes, sample.BusyPercent));
    }

    [Fact]
    public void Sample_BusyPercentNotSupported_IsHealthyWithoutBusy()
    {
        _smi.Gpus.Add(new FakeAmdGpu { BusyPercent = null });
        var provider = Provider(_smi.Library());
        var device = Assert.Single(provider.Discover("node-a"));

        var sample = provider.Sample(device);

        Assert.Equal(DeviceHealth.Healthy, sample.Health);
        Assert.Null(sample.BusyPercent);
    }

    [Fact]
    public void Sample_LibraryFailsMidRun_ReportsUnhealthyWithTheStatus()
    {
        _smi.Gpus.Add(new FakeAmdGpu());
        var provider = Provider(_smi.Library());
        var device = Assert.Single(provider.Discover("node-a"));
        _smi.FailStatus = 3;

        var sample = provider.Sample(device);

        Assert.Equal(DeviceHealth.Unhealthy, sample.Health);
        Assert.Contains("rsmi_dev_memory_usage_get", sample.Reason, StringComparison.Ordinal);
        Assert.Contains("file error", sample.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_AfterInit_ShutsRocmSmiDownOnce()
    {
        var library = _smi.Library();
        Assert.True(library.TryInitialize(out _));

        library.Dispose();
        library.Dispose();

        Assert.Equal(1, _smi.ShutDowns);
    }

    [Fact]
    public void Validation_IsFakesOnly()
    {
        Assert.Equal(DeviceValidation.FakesOnly, ((IDeviceProvider)Provider(_smi.Library())).Validation);
    }

    private static AmdDeviceProvider Provider(IRocmSmi smi, bool enabled = true) =>
        new(smi, Options.Create(new GpuPoolRuntimeOptions { Amd = { Enabled = enabled } }), NullLogger<AmdDeviceProvider>.Instance);
}
