using GpuPool.Runtime.Models;
using GpuPool.TorchSharp.Tests.Devices;
using GpuPool.TorchSharp.Tests.Support;
using TorchSharp;

namespace GpuPool.TorchSharp.Tests.Models;

public sealed class TorchScriptModelBackendTests
{
    private static ModelLoadContext Context(byte[] bytes) => new()
    {
        Bytes = bytes,
        Device = TorchDevicesTests.Cpu(Environment.ProcessorCount),
        MemoryLimitBytes = ByteSize.MiB(1),
        IntraOpThreads = 1,
        Options = new ModelOptions(),
    };

    [Fact]
    public void Supports_CpuAndSimulatedDevices_NotRealGpusWithoutCudaLibtorch()
    {
        var backend = new TorchScriptModelBackend();

        Assert.True(backend.Supports(TorchDevicesTests.Cpu(4)));
        Assert.True(backend.Supports(TorchDevicesTests.Gpu(0, simulated: true)));
        Assert.False(backend.Supports(TorchDevicesTests.Gpu(0, vendor: DeviceVendor.Amd)));
        Assert.Equal(torch.cuda.is_available(), backend.Supports(TorchDevicesTests.Gpu(0)));
    }

    [Fact]
    public void Run_SetsTheRunsIntraOpThreadsOnTheCallingThread()
    {
        var backend = new TorchScriptModelBackend();
        using var instance = backend.Load(Context(TorchScriptTestModels.Linear(2, 2)));
        var inputs = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2 }, 1, 2) };

        instance.Run(inputs, new RunContext(3));
        Assert.Equal(3, torch.get_num_threads());

        instance.Run(inputs, new RunContext(1));
        Assert.Equal(1, torch.get_num_threads());
    }

    [Fact]
    public void EstimateMemory_IsTheSizeOfTheTensorStorages() =>
        Assert.Equal(sizeof(float) * ((16 * 8) + 8), new TorchScriptModelBackend().EstimateMemory(Context(TorchScriptTestModels.Linear(16, 8))));
}
