using GpuPool.TorchSharp.Tests.Support;

using System.Diagnostics;

namespace GpuPool.TorchSharp.Tests.Devices;

public sealed class TorchWorkerEnvironmentTests
{
    [Fact]
    public void For_GpuSlice_PinsTheGpuAndCapsTheAllocatorAtTheLeasesFraction()
    {
        var gpu = TorchDevicesTests.Gpu(3, uuid: "GPU-1234");

        var variables = TorchWorkerEnvironment.For(gpu, ByteSize.GiB(20), 250);

        Assert.Equal("GPU-1234", variables["CUDA_VISIBLE_DEVICES"]);
        Assert.Equal("per_process_memory_fraction:0.25", variables["PYTORCH_CUDA_ALLOC_CONF"]);
        Assert.Equal(TorchDevices.ThreadsFor(gpu, 250).ToString(System.Globalization.CultureInfo.InvariantCulture), variables["OMP_NUM_THREADS"]);
    }

    [Fact]
    public void For_NoUuid_UsesTheOrdinal() =>
        Assert.Equal("3", TorchWorkerEnvironment.For(TorchDevicesTests.Gpu(3), ByteSize.GiB(1), 100)["CUDA_VISIBLE_DEVICES"]);

    [Fact]
    public void For_ExistingAllocatorConfig_KeepsOtherSettingsAndReplacesTheFraction()
    {
        var variables = TorchWorkerEnvironment.For(TorchDevicesTests.Gpu(0), ByteSize.GiB(8), 100, "expandable_segments:True, per_process_memory_fraction:0.9");

        Assert.Equal("expandable_segments:True,per_process_memory_fraction:0.1", variables["PYTORCH_CUDA_ALLOC_CONF"]);
    }

    [Fact]
    public void For_PoolOffersLessThanTheDevice_FractionIsOfThePhysicalMemory()
    {
        var gpu = TorchDevicesTests.Gpu(0) with { TotalMemoryBytes = ByteSize.GiB(79) };

        var variables = TorchWorkerEnvironment.For(gpu, ByteSize.GiB(20), 250, physicalMemoryBytes: ByteSize.GiB(80));

        Assert.Equal("per_process_memory_fraction:0.25", variables["PYTORCH_CUDA_ALLOC_CONF"]);
    }

    [Fact]
    public void For_CpuSlice_SetsThreadsOnly()
    {
        var variables = TorchWorkerEnvironment.For(TorchDevicesTests.Cpu(8), ByteSize.GiB(1), 500);

        Assert.Equal("4", variables["OMP_NUM_THREADS"]);
        Assert.Equal("4", variables["MKL_NUM_THREADS"]);
        Assert.False(variables.ContainsKey("PYTORCH_CUDA_ALLOC_CONF"));
        Assert.False(variables.ContainsKey("CUDA_VISIBLE_DEVICES"));
    }

    [Theory]
    [InlineData(1, 3, 0.333333)]
    [InlineData(2, 3, 0.666666)]
    [InlineData(80, 80, 1.0)]
    public void MemoryFraction_RoundsDownSoTheCapNeverExceedsTheLease(long memory, long device, double expected) =>
        Assert.Equal(expected, TorchWorkerEnvironment.MemoryFraction(memory, device));

    [Fact]
    public void Apply_StartInfo_SetsTheVariablesAndKeepsItsAllocatorSettings()
    {
        var lease = new FakeLease(TorchDevicesTests.Gpu(1, uuid: "GPU-abcd"), ByteSize.GiB(40), 500);
        var startInfo = new ProcessStartInfo("worker");
        startInfo.Environment["PYTORCH_CUDA_ALLOC_CONF"] = "max_split_size_mb:128";

        TorchWorkerEnvironment.Apply(startInfo, lease);

        Assert.Equal("GPU-abcd", startInfo.Environment["CUDA_VISIBLE_DEVICES"]);
        Assert.Equal("max_split_size_mb:128,per_process_memory_fraction:0.5", startInfo.Environment["PYTORCH_CUDA_ALLOC_CONF"]);
    }
}
