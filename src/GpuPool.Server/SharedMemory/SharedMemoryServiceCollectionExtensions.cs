using GpuPool.Server.SharedMemory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the server's shared-memory path (docs/shared-memory.md).</summary>
internal static class SharedMemoryServiceCollectionExtensions
{
    /// <summary>Binds <see cref="SharedMemoryOptions"/> from <c>GpuPoolServer:SharedMemory</c> (validated at start) and adds the region registry.</summary>
    public static IServiceCollection AddServerSharedMemory(this IServiceCollection services)
    {
        services.AddOptions<SharedMemoryOptions>().BindConfiguration(SharedMemoryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<SharedMemoryRegistry>();
        return services;
    }
}
