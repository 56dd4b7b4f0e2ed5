using GpuPool.OnnxRuntime;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Isolation;

namespace GpuPool.Runtime.Tests.Devices;

public class VendorLeaseSettingsTests
{
    [Fact]
    public void WorkerEnvironment_AmdDevice_NarrowsRocrToTheDeviceAndHipToItsOnlyDevice()
    {
        var variables = VendorLeaseSettings.WorkerEnvironment(Device(DeviceVendor.Amd, uuid: "GPU-1a2b3c4d5e6f7081"));

        Assert.Equal(new Dictionary<string, string> { ["ROCR_VISIBLE_DEVICES"] = "GPU-1a2b3c4d5e6f7081", ["HIP_VISIBLE_DEVICES"] = "0" }, variables);
    }

    [Fact]
    public void WorkerEnvironment_HygonDeviceWithoutUuid_UsesTheOrdinal()
    {
        var variables = VendorLeaseSettings.WorkerEnvironment(Device(DeviceVendor.Hygon));

        Assert.Equal("3", variables["ROCR_VISIBLE_DEVICES"]);
    }

    [Fact]
    public void WorkerEnvironment_AscendDevice_SetsAscendRtVisibleDevicesToTheLogicalId()
    {
        var variables = VendorLeaseSettings.WorkerEnvironment(Device(DeviceVendor.Huawei, DeviceKind.Accelerator));

        Assert.Equal(new Dictionary<string, string> { ["ASCEND_RT_VISIBLE_DEVICES"] = "3" }, variables);
    }

    [Theory]
    [InlineData(DeviceVendor.Amd, true)]
    [InlineData(DeviceVendor.Unknown, false)]
    public void WorkerEnvironment_SimulatedOrCpu_SetsNothing(DeviceVendor vendor, bool simulated)
    {
        var device = Device(vendor, simulated ? DeviceKind.Gpu : DeviceKind.Cpu) with { IsSimulated = simulated };

        Assert.Empty(VendorLeaseSettings.WorkerEnvironment(device));
        Assert.Equal(3, WorkerEnvironment.DeviceInWorker(device).Ordinal);
    }

    [Theory]
    [InlineData(DeviceVendor.Amd)]
    [InlineData(DeviceVendor.Huawei)]
    public void DeviceInWorker_NarrowedDevice_IsOrdinalZero(DeviceVendor vendor)
    {
        Assert.Equal(0, WorkerEnvironment.DeviceInWorker(Device(vendor)).Ordinal);
    }

    [Fact]
    public void ExecutionProviders_AmdDevice_RocmThenMigraphxWithDeviceIdAndLimit()
    {
        var providers = VendorLeaseSettings.ExecutionProviders(Device(DeviceVendor.Amd), ByteSize.GiB(2));

        Assert.Equal(["ROCM", "MIGraphX"], providers.Select(p => p.Name));
        Assert.Equal(("3", "2147483648", "kSameAsRequested"), (providers[0].Options["device_id"], providers[0].Options["gpu_mem_limit"], providers[0].Options["arena_extend_strategy"]));
        Assert.Equal(("3", "2147483648"), (providers[1].Options["device_id"], providers[1].Options["migraphx_mem_limit"]));
    }

    [Fact]
    public void ExecutionProviders_AscendDevice_CannWithDeviceIdAndNpuMemLimit()
    {
        var cann = Assert.Single(VendorLeaseSettings.ExecutionProviders(Device(DeviceVendor.Huawei, DeviceKind.Accelerator), ByteSize.MiB(512)));

        Assert.Equal(("CANN", "CANNExecutionProvider"), (cann.Name, cann.ProviderName));
        Assert.Equal(("3", "536870912"), (cann.Options["device_id"], cann.Options["npu_mem_limit"]));
    }

    [Fact]
    public void SelectExecutionProvider_OnlyMigraphxAvailable_ChoosesMigraphx()
    {
        var chosen = OnnxSessionOptions.SelectExecutionProvider(Device(DeviceVendor.Amd), ByteSize.GiB(1), ["MIGraphXExecutionProvider", "CPUExecutionProvider"]);

        Assert.Equal("MIGraphX", chosen?.Name);
    }

    [Fact]
    public void SelectExecutionProvider_CpuOnlyRuntime_ChoosesNothing()
    {
        Assert.Null(OnnxSessionOptions.SelectExecutionProvider(Device(DeviceVendor.Huawei), ByteSize.GiB(1), ["CPUExecutionProvider"]));
    }

    [Fact]
    public void Create_AscendDeviceOnCpuOnlyOnnxRuntime_ThrowsNotSupportedNamingCann()
    {
        var ex = Assert.Throws<NotSupportedException>(() => OnnxSessionOptions.Create(Device(DeviceVendor.Huawei, DeviceKind.Accelerator), ByteSize.GiB(1), 2));

        Assert.Contains("CANNExecutionProvider", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SimulatedAmdDevice_AddsNoExecutionProvider()
    {
        using var options = OnnxSessionOptions.Create(Device(DeviceVendor.Amd) with { IsSimulated = true }, ByteSize.GiB(1), 2);

        Assert.Equal(2, options.IntraOpNumThreads);
    }

    private static DeviceDescriptor Device(DeviceVendor vendor, DeviceKind kind = DeviceKind.Gpu, string? uuid = null) => new()
    {
        Id = "dev3",
        Node = "node-a",
        Kind = kind,
        Vendor = vendor,
        Model = "X",
        TotalMemoryBytes = ByteSize.GiB(16),
        Ordinal = 3,
        Uuid = uuid,
    };
}
