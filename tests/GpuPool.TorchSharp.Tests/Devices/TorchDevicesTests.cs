using TorchSharp;

namespace GpuPool.TorchSharp.Tests.Devices;

public sealed class TorchDevicesTests
{
    internal static DeviceDescriptor Gpu(int ordinal, bool simulated = false, DeviceVendor vendor = DeviceVendor.Nvidia, string? uuid = null) => new()
    {
        Id = $"gpu{ordinal}",
        Node = "n",
        Kind = DeviceKind.Gpu,
        Vendor = vendor,
        Model = "H200",
        TotalMemoryBytes = ByteSize.GiB(80),
        Ordinal = ordinal,
        Uuid = uuid,
        ComputeUnits = 132,
        IsSimulated = simulated,
    };

    internal static DeviceDescriptor Cpu(int cores) => new()
    {
        Id = "cpu0",
        Node = "n",
        Kind = DeviceKind.Cpu,
        Vendor = DeviceVendor.Unknown,
        Model = "CPU",
        TotalMemoryBytes = ByteSize.GiB(8),
        ComputeUnits = cores,
    };

    [Fact]
    public void For_NvidiaGpu_IsCudaWithItsOrdinal()
    {
        var device = TorchDevices.For(Gpu(2));

        Assert.Equal(DeviceType.CUDA, device.type);
        Assert.Equal(2, device.index);
        Assert.Equal("cuda:2", device.ToString());
    }

    [Fact]
    public void For_Cpu_IsCpu() => Assert.Equal(DeviceType.CPU, TorchDevices.For(Cpu(8)).type);

    [Fact]
    public void For_SimulatedGpu_RunsOnCpu() => Assert.Equal(DeviceType.CPU, TorchDevices.For(Gpu(1, simulated: true)).type);

    [Fact]
    public void For_RealNonNvidiaAccelerator_Throws()
    {
        var ex = Assert.Throws<NotSupportedException>(() => TorchDevices.For(Gpu(0, vendor: DeviceVendor.Amd)));
        Assert.Contains("gpu0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 500, 4)]
    [InlineData(8, 1000, 8)]
    [InlineData(8, 10, 1)]
    [InlineData(16, 250, 4)]
    public void ThreadsFor_CpuShare_IsShareOfHardwareThreads(int cores, int milli, int expected) =>
        Assert.Equal(expected, TorchDevices.ThreadsFor(Cpu(cores), milli));

    [Fact]
    public void ThreadsFor_GpuShare_IsShareOfThisMachinesCores() =>
        Assert.Equal(Math.Max(1, (int)Math.Round(Environment.ProcessorCount * 0.5)), TorchDevices.ThreadsFor(Gpu(0), 500));

    [Fact]
    public void ThreadsFor_ShareOutOfRange_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchDevices.ThreadsFor(Cpu(4), 0));
}
