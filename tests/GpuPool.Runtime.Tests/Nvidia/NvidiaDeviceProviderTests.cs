using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Tests.Nvidia;

public class NvidiaDeviceProviderTests
{
    [Fact]
    public void Discover_NvmlAbsent_ReturnsNoDevicesAndDoesNotThrow()
    {
        var nvml = new FakeNvml { InitError = "libnvidia-ml.so.1 could not be loaded" };

        var devices = Provider(nvml).Discover("node-a");

        Assert.Empty(devices);
    }

    [Fact]
    public void Discover_RealBindingWithMissingLibrary_ReturnsNoDevices()
    {
        var options = new GpuPoolRuntimeOptions { Nvidia = { NvmlLibrary = "/nonexistent/libnvidia-ml.so.1" } };
        var nvml = new NvmlLibrary(options.Nvidia.NvmlLibrary);

        var devices = new NvidiaDeviceProvider(nvml, Options.Create(options), NullLogger<NvidiaDeviceProvider>.Instance).Discover("node-a");

        Assert.Empty(devices);
        Assert.False(nvml.TryInitialize(out var error));
        Assert.Contains("/nonexistent/libnvidia-ml.so.1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_Disabled_DoesNotTouchNvml()
    {
        var nvml = new FakeNvml { FailCode = 9 };
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-a" });

        var devices = Provider(nvml, enabled: false).Discover("node-a");

        Assert.Empty(devices);
        Assert.Equal(0, nvml.MemoryReads);
    }

    [Fact]
    public void Discover_NvmlFails_ReturnsNoDevices()
    {
        var nvml = new FakeNvml { FailCode = 15 };
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-a" });

        Assert.Empty(Provider(nvml).Discover("node-a"));
    }

    [Fact]
    public void Discover_GpuAndMig_MapsToDescriptorsWithoutDriverReservedMemory()
    {
        var nvml = new FakeNvml();
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-a", Memory = new(ByteSize.GiB(141), ByteSize.MiB(512), ByteSize.GiB(140), 0) });
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-b", Mig = [new FakeGpu { Uuid = "MIG-c", Name = "NVIDIA H200 MIG 1g.18gb", Multiprocessors = 16, ComputeCapability = null }] });
        var provider = Provider(nvml);

        var devices = provider.Discover("node-a");

        Assert.Equal(2, devices.Count);
        var gpu = devices[0];
        Assert.Equal(("nvidia0", DeviceKind.Gpu, DeviceVendor.Nvidia, "GPU-a", "9.0"), (gpu.Id, gpu.Kind, gpu.Vendor, gpu.Uuid, gpu.ComputeCapability));
        Assert.Equal(ByteSize.GiB(141) - ByteSize.MiB(512), gpu.TotalMemoryBytes);
        Assert.Equal("node-a", gpu.Node);
        Assert.False(gpu.IsSimulated);
        var mig = devices[1];
        Assert.Equal(("nvidia1-mig0", DeviceKind.GpuPartition, "MIG-c", 16, 1), (mig.Id, mig.Kind, mig.Uuid, mig.ComputeUnits, mig.Ordinal));
        Assert.Equal(["nvidia0", "nvidia1-mig0"], provider.Gpus.Select(g => g.Id));
    }

    private static NvidiaDeviceProvider Provider(FakeNvml nvml, bool enabled = true) =>
        new(nvml, Options.Create(new GpuPoolRuntimeOptions { Nvidia = { Enabled = enabled } }), NullLogger<NvidiaDeviceProvider>.Instance);
}
