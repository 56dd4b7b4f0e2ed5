using GpuPool.Runtime.Persistence;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Leasing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Server;

/// <summary>
/// Creates the lease table (which restores journaled leases) and, through <see cref="LeaseOperations"/>, the
/// server's lease-end observers before the first call, reloads
/// the models of restored leases when persistence is on, and says how the server is set up.
/// </summary>
internal sealed class ServerStartup(
    LeaseOperations leases,
    ApiKeyRegistry keys,
    ServerInstance instance,
    IOptions<GpuPoolServerOptions> options,
    ILogger<ServerStartup> logger,
    DurableModels? durable = null) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (durable is not null)
        {
            // Before the first call: restored leases get their models back, charged as before.
            var reload = durable.ReloadAll();
            ServerLog.ModelsRestored(logger, leases.LeaseCount, reload.Reloaded, reload.Failed.Count);
        }

        var devices = leases.GetInventory().Devices.Count;
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
