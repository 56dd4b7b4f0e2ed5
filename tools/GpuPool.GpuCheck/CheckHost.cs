using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuPool.GpuCheck;

/// <summary>The pool the checks run against: the embedded pool with NVIDIA devices only and the cuBLAS workload.</summary>
internal static class CheckHost
{
    /// <param name="settings">The check's settings.</param>
    /// <param name="bindings">Registers other native bindings first (tests register fakes of NVML, CUDA and cuBLAS).</param>
    public static ServiceProvider Build(CheckSettings settings, Action<IServiceCollection>? bindings = null)
    {
        var services = new ServiceCollection();
        bindings?.Invoke(services);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddGpuPool(o => o.Server = null)
            .ConfigureRuntime(o =>
            {
                o.NodeName = "gpu-check";
                o.Cpu.Enabled = false;
                o.Nvidia.NvmlLibrary = settings.NvmlLibrary;
                o.Nvidia.CudaLibrary = settings.CudaLibrary;
                o.Nvidia.ReserveMemoryOnGrant = settings.Reserve;
                o.Nvidia.TelemetryInterval = TimeSpan.FromMilliseconds(500);
            })
            .AddCublas(o => o.LibraryPath = settings.CublasLibrary);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    /// <summary>The scheduler that decides when runs happen (inside the CUDA stream wrapper).</summary>
    public static string SchedulerName(IServiceProvider services)
    {
        var scheduler = services.GetRequiredService<IDeviceScheduler>();
        return (scheduler is CudaStreamScheduler wrapped ? wrapped.Inner : scheduler).GetType().Name;
    }
}
