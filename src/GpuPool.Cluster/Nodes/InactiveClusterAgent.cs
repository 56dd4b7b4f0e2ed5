using Microsoft.Extensions.Hosting;

namespace GpuPool.Cluster.Nodes;

/// <summary>Stands in for the node agent when <c>GpuPool:Cluster</c> is not configured: a single-server pool has nothing to join.</summary>
internal sealed class InactiveClusterAgent : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
