using GpuPool.Runtime.Leasing;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Leasing;
using GpuPool.Server.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Server;

/// <summary>Creates the lease table and its listeners before the first call, and says how the server is set up.</summary>
internal sealed class ServerStartup(
    LeaseTable table,
    EndedLeases ended,
    SessionRegistry sessions,
    ApiKeyRegistry keys,
    ServerInstance instance,
    IOptions<GpuPoolServerOptions> options,
    ILogger<ServerStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(ended);
        GC.KeepAlive(sessions);
        var devices = table.GetInventory().Devices.Count;
        ServerLog.ServerStarted(logger, instance.Id, devices, options.Value.Tenants.Count);
        if (keys.IsOpen)
        {
            ServerLog.OpenMode(logger, GpuPoolServerOptions.AnonymousTenant);
        }

        if (options.Value.UnixSocketPath is { Length: > 0 } path)
        {
            ServerLog.UnixSocket(logger, path);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
