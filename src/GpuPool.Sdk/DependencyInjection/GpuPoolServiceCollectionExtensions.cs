using GpuPool;
using GpuPool.Internal;
using GpuPool.Runtime;
using GpuPool.Runtime.Embedded;
using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers GpuPool with dependency injection.</summary>
public static class GpuPoolServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IGpuPool"/>. Settings bind from the configuration section <c>GpuPool</c>
    /// (and <c>GpuPool:Runtime</c> for the embedded engine) and are validated at start-up. With no server
    /// configured, the embedded pool is used. Calling it twice is harmless.
    /// </summary>
    public static IGpuPoolBuilder AddGpuPool(this IServiceCollection services, Action<GpuPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GpuPoolOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<GpuPoolOptions>, GpuPoolOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<GpuPoolRuntimeOptions>, GpuPoolRuntimeOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<FairSchedulerOptions>, FairSchedulerOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ModelHostOptions>, ModelHostOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<WorkerOptions>, WorkerOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpuPoolOptions>, GpuPoolOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddGpuPoolRuntime();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GpuPoolOptions>>().Value;
            return new EmbeddedGpuPool(
                sp.GetRequiredService<LeaseTable>(),
                sp.GetRequiredService<ModelHost>(),
                options.KeepAlive ? options.KeepAliveInterval : null);
        });
        services.TryAddSingleton<IGpuPool>(PoolFactory.Create);
        return new GpuPoolBuilder("default", services);
    }

    /// <summary>Configures the embedded engine (devices, placement, time-to-live).</summary>
    public static IGpuPoolBuilder ConfigureRuntime(this IGpuPoolBuilder builder, Action<GpuPoolRuntimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Uses the embedded pool even when configuration names a server.</summary>
    public static IGpuPoolBuilder UseEmbedded(this IGpuPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<GpuPoolOptions>(o => o.Server = null);
        return builder;
    }
}
