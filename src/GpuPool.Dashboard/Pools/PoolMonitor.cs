using GpuPool.Dashboard.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Dashboard.Pools;

/// <summary>Reads every pool each <see cref="DashboardOptions.RefreshInterval"/>, publishes the snapshots and keeps the trends.</summary>
internal sealed class PoolMonitor(PoolDirectory directory, TrendHistory trends, TimeProvider time, IOptions<DashboardOptions> options, ILogger<PoolMonitor> logger) : BackgroundService
{
    /// <summary>Reads every pool now (also after an action, so that its effect shows at once).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var previous = directory.Snapshots;
        var snapshots = await Task.WhenAll(directory.Pools.Select(p => PoolReader.ReadAsync(p, time, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < snapshots.Length; i++)
        {
            if (snapshots[i].Status != previous[i].Status)
            {
                DashboardLog.PoolStatusChanged(logger, snapshots[i].Name, snapshots[i].Status, snapshots[i].Problem ?? "");
            }
        }

        directory.Publish(snapshots);
        trends.Record(snapshots, time.GetUtcNow());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        try
        {
            do
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Grpc.Core.RpcException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping in the middle of a read.
        }
    }
}
