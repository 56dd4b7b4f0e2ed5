using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Tests.Nvidia.Fakes;

namespace GpuPool.Runtime.Tests.Nvidia;

public class NvmlDeviceReaderTests
{
    [Fact]
    public void Read_TwoGpus_DescribesEachWithUuidNameMemoryAndCapability()
    {
        var nvml = new FakeNvml();
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-a", Name = "NVIDIA H200", ComputeCapability = (9, 0) });
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-b", Name = "NVIDIA A100-SXM4-80GB", ComputeCapability = (8, 0), Memory = new(ByteSize.GiB(80), ByteSize.MiB(300), ByteSize.GiB(79), ByteSize.MiB(5)) });

        var gpus = NvmlDeviceReader.Read(nvml);

        Assert.Equal(["nvidia0", "nvidia1"], gpus.Select(g => g.Id));
        Assert.Equal(["GPU-a", "GPU-b"], gpus.Select(g => g.Uuid));
        Assert.Equal("NVIDIA A100-SXM4-80GB", gpus[1].Name);
        Assert.Equal(ByteSize.GiB(80), gpus[1].TotalMemoryBytes);
        Assert.Equal(ByteSize.MiB(300), gpus[1].ReservedMemoryBytes);
        Assert.Equal(["9.0", "8.0"], gpus.Select(g => g.ComputeCapability));
        Assert.All(gpus, g => Assert.False(g.IsMig));
    }

    [Fact]
    public void Read_MigEnabled_ListsInstancesInsteadOfTheGpuAndSkipsEmptySlots()
    {
        var nvml = new FakeNvml();
        nvml.Gpus.Add(new FakeGpu
        {
            Uuid = "GPU-parent",
            ComputeCapability = (9, 0),
            Mig =
            [
                new FakeGpu { Uuid = "MIG-one", Name = "NVIDIA H200 MIG 3g.71gb", ComputeCapability = null, Multiprocessors = 60, Memory = new(ByteSize.GiB(71), 0, ByteSize.GiB(70), ByteSize.MiB(10)) },
                null,
                new FakeGpu { Uuid = "MIG-two", Name = "NVIDIA H200 MIG 1g.18gb", ComputeCapability = null, Multiprocessors = 16, Memory = new(ByteSize.GiB(18), 0, ByteSize.GiB(17), ByteSize.MiB(10)) },
            ],
        });
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-plain" });

        var gpus = NvmlDeviceReader.Read(nvml);

        Assert.Equal(["nvidia0-mig0", "nvidia0-mig2", "nvidia1"], gpus.Select(g => g.Id));
        Assert.Equal([0, 2, null], gpus.Select(g => g.MigIndex));
        Assert.Equal(["MIG-one", "MIG-two", "GPU-plain"], gpus.Select(g => g.Uuid));
        Assert.Equal(ByteSize.GiB(18), gpus[1].TotalMemoryBytes);
        Assert.Equal("9.0", gpus[0].ComputeCapability);
        Assert.Equal(60, gpus[0].Multiprocessors);
        Assert.True(gpus[0].IsMig);
    }

    [Fact]
    public void Read_NvmlError_Throws()
    {
        var nvml = new FakeNvml { FailCode = 15 };
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-a" });

        var ex = Assert.Throws<NvmlException>(() => NvmlDeviceReader.Read(nvml));

        Assert.Equal(15, ex.Code);
        Assert.Contains("GPU is lost", ex.Message, StringComparison.Ordinal);
    }
}
