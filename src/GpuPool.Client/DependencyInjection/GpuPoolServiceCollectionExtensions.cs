using GpuPool;
using GpuPool.Engine;
using GpuPool.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers GpuPool with dependency injection.</summary>
public static class GpuPoolServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IGpuPool"/>. Settings bind from the configuration section <c>GpuPool</c> and are
    /// validated at start-up. With a server configured (<c>GpuPool:Server</c> or <c>UseServer</c>) the pool is
    /// the server's; otherwise it is the in-process engine's, which the <c>GpuPool.Sdk</c> package brings
    /// (its settings under <c>GpuPool:Runtime</c>). Calling it twice is harmless.
    /// </summary>
    public static IGpuPoolBuilder AddGpuPool(this IServiceCollection services, Action<GpuPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GpuPoolOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<GpuPoolOptions>, GpuPoolOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpuPoolOptions>, GpuPoolOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (EngineLocator.Engine is { } engine && !services.Any(d => d.ServiceType == typeof(IGpuPoolEngine)))
        {
            services.AddSingleton(engine);
            engine.AddServices(services);
        }

        services.TryAddSingleton<IGpuPool>(PoolFactory.Create);
        return new GpuPoolBuilder("default", services);
    }

    /// <summary>Uses the in-process pool even when configuration names a server (needs the engine: the <c>GpuPool.Sdk</c> package).</summary>
    public static IGpuPoolBuilder UseEmbedded(this IGpuPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<GpuPoolOptions>(o =>
        {
            o.Server = null;
            o.Servers.Clear();
        });
        return builder;
    }
}
