using GpuPool.Runtime;
using GpuPool.Runtime.Devices;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the in-process engine behind <c>AddGpuPool()</c>.</summary>
public static class GpuPoolRuntimeBuilderExtensions
{
    /// <summary>Configures the embedded engine (devices, placement, time-to-live) after its <c>GpuPool:Runtime</c> settings are bound.</summary>
    public static IGpuPoolBuilder ConfigureRuntime(this IGpuPoolBuilder builder, Action<GpuPoolRuntimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Adds a device provider to the embedded engine (see <see cref="IDeviceProvider"/> and
    /// <c>docs/vendors.md</c>): its devices join the pool's inventory and are placed like any other.
    /// </summary>
    public static IGpuPoolBuilder AddDeviceProvider<TProvider>(this IGpuPoolBuilder builder)
        where TProvider : class, IDeviceProvider
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddGpuPoolDeviceProvider<TProvider>();
        return builder;
    }
}
