using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>Registers NVML, the NVIDIA device provider and the telemetry service.</summary>
internal static class NvidiaRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<INvml>(sp => new NvmlLibrary(sp.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.Nvidia.NvmlLibrary));
        services.TryAddSingleton<NvidiaDeviceProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeviceProvider, NvidiaDeviceProvider>(sp => sp.GetRequiredService<NvidiaDeviceProvider>()));
        services.TryAddSingleton(sp => new NvidiaTelemetryService(
            sp.GetRequiredService<INvml>(),
            sp.GetRequiredService<NvidiaDeviceProvider>(),
            sp.GetRequiredService<Leasing.LeaseTable>(),
            sp.GetRequiredService<DeviceInventory>(),
            sp.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<ILogger<NvidiaTelemetryService>>(),
            sp.GetService<Cuda.CudaDevices>()));
    }

    /// <summary>Samples NVML for as long as the host runs (the server); the embedded pool starts it itself.</summary>
    public static void AddHostedTelemetry(IServiceCollection services) =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NvidiaTelemetryService>(sp => sp.GetRequiredService<NvidiaTelemetryService>()));
}
