using GpuPool.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GpuPool.Internal;

/// <summary>Picks the remote pool or the in-process engine's pool from the validated options.</summary>
internal static class PoolFactory
{
    public static IGpuPool Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GpuPoolOptions>>().Value;
        if (options.IsRemote)
        {
            var factory = services.GetService<IRemotePoolFactory>() ?? new Remote.RemotePoolFactory(services);
            return factory.Create(options);
        }

        var engine = services.GetService<IGpuPoolEngine>() ?? throw new InvalidOperationException(GpuPoolOptionsValidator.NoServerNoEngine);
        return engine.CreatePool(services, options.KeepAlive ? options.KeepAliveInterval : null);
    }
}
