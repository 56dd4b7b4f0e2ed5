using GpuPool.Runtime.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GpuPool.Internal;

/// <summary>Picks the embedded or the remote pool from the validated options.</summary>
internal static class PoolFactory
{
    public static IGpuPool Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GpuPoolOptions>>().Value;
        if (!options.IsRemote)
        {
            return services.GetRequiredService<EmbeddedGpuPool>();
        }

        var factory = services.GetService<IRemotePoolFactory>() ?? new Remote.RemotePoolFactory(services);
        return factory.Create(options);
    }
}
