using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Devices.Amd;
using GpuPool.Runtime.Devices.Ascend;
using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Tests.Devices.Fakes;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Devices;

/// <summary>
/// The engine through DI with one NVIDIA GPU (fake NVML), one AMD GPU (fake ROCm SMI), two Ascend NPUs
/// (fake DCMI) and the CPU, on a fake clock. Build it on the test's thread: the vendor fakes answer that thread.
/// </summary>
internal sealed class VendorPool : IDisposable
{
    private readonly ServiceProvider _services;

    public VendorPool(FakeRocmSmi smi, FakeDcmi dcmi, Action<IServiceCollection>? configure = null)
    {
        Smi = smi;
        Dcmi = dcmi;
        smi.Gpus.Add(new FakeAmdGpu { Name = "AMD Instinct MI300X" });
        dcmi.Chips.Add(new FakeAscendChip { Card = 0, Device = 0, LogicId = 0, ChipName = "910B3" });
        dcmi.Chips.Add(new FakeAscendChip { Card = 1, Device = 0, LogicId = 1, ChipName = "910B4", HbmMb = 32768 });
        var nvml = new FakeNvml();
        nvml.Gpus.Add(new FakeGpu { Uuid = "GPU-" + CudaDevices.FormatUuid(NvidiaTestPool.Uuid0) });

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<INvml>(nvml);
        services.AddSingleton<ICudaDriver>(NvidiaTestPool.Driver());
        services.AddSingleton<IRocmSmi>(smi.Library());
        services.AddSingleton<IDcmi>(dcmi.Library());
        services.AddGpuPoolRuntime();
        services.Configure<GpuPoolRuntimeOptions>(o =>
        {
            o.NodeName = "node-a";
            o.Cpu.HostMemoryBytes = ByteSize.GiB(16);
        });
        configure?.Invoke(services);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public FakeTimeProvider Time { get; } = new();

    public FakeRocmSmi Smi { get; }

    public FakeDcmi Dcmi { get; }

    public IServiceProvider Services => _services;

    public void Dispose() => _services.Dispose();
}
