using GpuPool.Cublas;
using GpuPool.Cublas.Internal;
using GpuPool.Runtime.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the cuBLAS workload to a pool.</summary>
public static class CublasServiceCollectionExtensions
{
    /// <summary>Lets leases on NVIDIA devices load <see cref="GpuPool.ModelFormat.CublasGemm"/> workloads. Calling it twice is harmless.</summary>
    public static IGpuPoolBuilder AddCublas(this IGpuPoolBuilder builder, Action<CublasOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddGpuPoolCublas(configure);
        return builder;
    }

    /// <summary>Registers the cuBLAS workload's backend with the runtime (for hosts that use <c>AddGpuPoolRuntime</c> directly).</summary>
    public static IServiceCollection AddGpuPoolCublas(this IServiceCollection services, Action<CublasOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CublasOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<ICublas>(sp => new CublasLibrary(sp.GetRequiredService<IOptions<CublasOptions>>().Value.LibraryPath));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelBackend, CublasGemmBackend>());
        return services;
    }
}
