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

        return services.GetService<IRemotePoolFactory>()?.Create(options)
            ?? throw new InvalidOperationException($"GpuPool:Server is '{options.Server}' but no remote client is registered.");
    }
}
