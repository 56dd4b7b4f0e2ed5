using GpuPool.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GpuPool.Remote;

/// <summary>Creates the gRPC client pool for a configured server.</summary>
internal sealed class RemotePoolFactory(IServiceProvider services) : IRemotePoolFactory
{
    public IGpuPool Create(GpuPoolOptions options) => new RemoteGpuPool(
        options,
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetService<ILogger<RemoteGpuPool>>() ?? NullLogger<RemoteGpuPool>.Instance);
}
