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
    ModelRepositoryDirectory directory,
    IOptions<ModelRepositoryOptions> options,
    TimeProvider time,
    ILogger<ModelRepositoryService> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _renewing = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before loading: leases restored from the journal for the versions served before a restart go back.
        await repository.ReleaseStaleLeasesAsync(cancellationToken).ConfigureAwait(false);
        if (options.Value.Path is { Length: > 0 } path)
        {
            await LoadAtStartAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>Loads every model whose configuration asks for it; a model that fails is logged and left unavailable.</summary>
    private async Task LoadAtStartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in directory.ModelNames())
        {
            var model = repository.Entry(name);
            try
            {
                var source = await directory.ReadAsync(name, cancellationToken).ConfigureAwait(false);
                if (source.Config.LoadAtStart)
                {
                    // No waiting at start-up: a model without capacity now must not hold the server back.
                    await repository.LoadAsync(name, wait: false, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    model.Set(source.Config.Tenant ?? GpuPoolServerOptions.AnonymousTenant, [], "not loaded (loadAtStart is false)");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One bad model (a corrupt file, an unreadable folder) must not keep the server from starting.
                // Already logged by LoadAsync, or the configuration could not be read (logged here).
                if (model.Tenant is null)
                {
                    InferenceLog.LoadFailed(logger, name, ex.Message);
                    model.Set(null, [], ex.Message);
                }
            }
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.LeaseTimeToLive / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await repository.RenewAllAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping.
        }
    }
}
