using GpuPool.Runtime.Devices;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds device providers to the engine: the pool's extension point for accelerators it does not know.</summary>
public static class DeviceProviderServiceCollectionExtensions
{
    /// <summary>
    /// Adds <typeparamref name="TProvider"/> as a singleton and as one of the engine's
    /// <see cref="IDeviceProvider"/>s; its devices join the inventory beside the CPU, NVIDIA, AMD, Ascend
    /// and simulated devices. If it also implements <see cref="IDeviceTelemetryProvider"/> or
    /// <see cref="IDeviceLeaseSettingsProvider"/>, the pool uses those too. Calling it twice is harmless.
    /// </summary>
    public static IServiceCollection AddGpuPoolDeviceProvider<TProvider>(this IServiceCollection services)
        where TProvider : class, IDeviceProvider
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<TProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeviceProvider, TProvider>(sp => sp.GetRequiredService<TProvider>()));
        return services;
    }
}
