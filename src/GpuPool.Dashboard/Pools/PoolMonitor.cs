using GpuPool.Dashboard.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Dashboard.Pools;

/// <summary>
/// Reads every pool each <see cref="DashboardOptions.RefreshInterval"/>, each pool on its own loop (a pool
/// that hangs until the call timeout does not hold the others back), publishes the snapshots and keeps the trends.
/// </summary>
internal sealed class PoolMonitor(PoolDirectory directory, TrendHistory trends, BusyMeter busy, TimeProvider time, IOptions<DashboardOptions> options, ILogger<PoolMonitor> logger) : BackgroundService
{
    /// <summary>Reads one pool now (after an action, so that its effect shows at once).</summary>
    public async Task RefreshAsync(string pool, CancellationToken cancellationToken)
    {
        var index = directory.IndexOf(pool);
        if (index >= 0)
        {
            await RefreshAsync(index, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(directory.Pools.Select((_, index) => WatchAsync(index, stoppingToken)));

    private async Task RefreshAsync(int index, CancellationToken cancellationToken)
    {
        var snapshot = await PoolReader.ReadAsync(directory.Pools[index], time, cancellationToken).ConfigureAwait(false);
        if (snapshot.IsUp)
        {
            snapshot = snapshot with { Busy = busy.Record(snapshot.Name, snapshot.Usage, snapshot.TakenAt) };
        }

        var previous = directory.Publish(index, snapshot);
        if (snapshot.Status != previous.Status)
        {
            DashboardLog.PoolStatusChanged(logger, snapshot.Name, snapshot.Status, snapshot.Problem ?? "");
        }

        trends.Record(snapshot, time.GetUtcNow());
    }

    private async Task WatchAsync(int index, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, time);
        try
        {
            do
            {
                await RefreshAsync(index, stoppingToken).ConfigureAwait(false);
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
