using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Cuda;

/// <summary>Registers the CUDA interop and wraps the device scheduler with <see cref="CudaStreamScheduler"/>.</summary>
internal static class CudaRegistration
{
    /// <summary>Call after the device scheduler is registered. Calling it twice wraps once.</summary>
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<ICudaDriver>(sp => new CudaDriver(sp.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.Nvidia.CudaLibrary));
        services.TryAddSingleton<CudaDevices>();
        if (services.Any(d => d.ServiceType == typeof(CudaStreamScheduler)))
        {
            return;
        }

        var index = -1;
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i].ServiceType == typeof(IDeviceScheduler))
            {
                index = i;
            }
        }

        if (index < 0)
        {
            return;
        }

        var inner = services[index];
        services.AddSingleton(sp => new CudaStreamScheduler(CreateInner(sp, inner), sp.GetRequiredService<CudaDevices>()));
        services[index] = ServiceDescriptor.Singleton<IDeviceScheduler>(sp => sp.GetRequiredService<CudaStreamScheduler>());
    }

    private static IDeviceScheduler CreateInner(IServiceProvider services, ServiceDescriptor inner) =>
        inner.ImplementationInstance as IDeviceScheduler
        ?? inner.ImplementationFactory?.Invoke(services) as IDeviceScheduler
        ?? (IDeviceScheduler)ActivatorUtilities.CreateInstance(services, inner.ImplementationType!);
}
