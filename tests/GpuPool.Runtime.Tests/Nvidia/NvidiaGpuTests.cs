using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Nvidia;

[Trait("Category", "Gpu")]
public class NvidiaGpuTests
{
    [GpuFact]
    public void Nvml_RealDriver_ListsGpusWithUuidNameMemoryAndCapability()
    {
        var nvml = new NvmlLibrary("libnvidia-ml.so.1");
        Assert.True(nvml.TryInitialize(out _));

        var gpus = NvmlDeviceReader.Read(nvml);

        Assert.NotEmpty(gpus);
        Assert.All(gpus, g =>
        {
            Assert.Matches("^(GPU|MIG)-", g.Uuid);
            Assert.False(string.IsNullOrWhiteSpace(g.Name));
            Assert.True(g.TotalMemoryBytes > ByteSize.GiB(1));
            Assert.NotNull(g.ComputeCapability);
        });
    }

    [GpuFact]
    public void Cuda_RealDriver_OpensTheNvmlDeviceByUuidAndGivesALeaseAStream()
    {
        var nvml = new NvmlLibrary("libnvidia-ml.so.1");
        Assert.True(nvml.TryInitialize(out _));
        var gpu = NvmlDeviceReader.Read(nvml)[0];
        var device = NvidiaTestPool.Gpu(gpu.Id) with { Uuid = gpu.Uuid, TotalMemoryBytes = gpu.TotalMemoryBytes - gpu.ReservedMemoryBytes };
        using var table = NvidiaTestPool.Table(new FakeTimeProvider(), device);
        using var cuda = NvidiaTestPool.Cuda(new CudaDriver("libcuda.so.1"), table, reserve: true);

        var context = cuda.Open(device);
        var bound = cuda.Bind(NvidiaTestPool.Grant(table, memoryGiB: 1, deviceId: gpu.Id));

        Assert.NotNull(context);
        Assert.InRange(context.GetMemoryInfo().Total, gpu.TotalMemoryBytes - ByteSize.GiB(2), gpu.TotalMemoryBytes);
        Assert.NotNull(bound);
        Assert.NotEqual(0, bound.Stream);
        Assert.Equal(ByteSize.GiB(1), bound.ReservedBytes);
    }
}
