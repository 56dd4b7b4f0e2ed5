using GpuPool.Runtime;

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
}
