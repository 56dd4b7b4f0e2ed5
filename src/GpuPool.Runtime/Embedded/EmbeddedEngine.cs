using GpuPool.Engine;
using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using Microsoft.Extensions.DependencyInjection;

[assembly: GpuPoolEngineAttribute(typeof(GpuPool.Runtime.Embedded.EmbeddedEngine))]

namespace GpuPool.Runtime.Embedded;

/// <summary>
/// The engine behind <c>AddGpuPool()</c> when no server is configured. Its services are registered with
/// the application's, but nothing is probed or started until the pool is created: a client configured
/// for a server does no local work.
/// </summary>
internal sealed class EmbeddedEngine : IGpuPoolEngine
{
    public void AddServices(IServiceCollection services) => GpuPoolRuntimeServiceCollectionExtensions.AddEngine(services);

    public IGpuPool CreatePool(IServiceProvider services, TimeSpan? keepAliveInterval)
    {
        ArgumentNullException.ThrowIfNull(services);
        var pool = new EmbeddedGpuPool(services.GetRequiredService<LeaseTable>(), services.GetRequiredService<ModelHost>(), keepAliveInterval);

        // NVML telemetry runs while the embedded pool exists (the container stops it when disposed), host or no host.
        services.GetRequiredService<NvidiaTelemetryService>().Start();
        services.GetRequiredService<Devices.DeviceHealthMonitor>().Start();
        return pool;
    }
}
