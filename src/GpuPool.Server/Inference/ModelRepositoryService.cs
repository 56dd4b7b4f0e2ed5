using GpuPool.Server.Auth;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Inference;

/// <summary>
/// Loads the repository's models when the server starts (before it serves), then renews their leases
/// on the injected <see cref="TimeProvider"/> at a third of their time-to-live until the server stops.
/// </summary>
internal sealed class ModelRepositoryService(
    ModelRepository repository,
    IOptions<ModelRepositoryOptions> options,
    TimeProvider time,
    ILogger<ModelRepositoryService> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _renewing = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Path is { Length: > 0 } path)
        {
            await repository.LoadAtStartAsync(cancellationToken).ConfigureAwait(false);
            var all = repository.List(new CallerIdentity("", IsAdmin: true));
            var ready = all.Count(m => m.IsReady);
            InferenceLog.RepositoryOpened(logger, path, ready, all.Count);
        }

        _renewing = RenewAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _renewing.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.LeaseTimeToLive / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                repository.RenewAll();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping.
        }
    }
}
