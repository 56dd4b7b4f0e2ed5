using System.Collections.Concurrent;

namespace GpuPool.Remote;

/// <summary>
/// Releases begun (tracked before they are sent) and not yet answered by the server. Acquires and
/// inventory requests that do not travel on the session stream, and a new stream after a reconnect, wait
/// for them first, so that the pool's later acquires see the slices it gave back as free.
/// </summary>
internal sealed class ReleasesInFlight(TimeProvider time)
{
    private readonly ConcurrentDictionary<Task, byte> _confirmations = new();

    public bool IsEmpty => _confirmations.IsEmpty;

    /// <summary>Tracks <paramref name="confirmation"/> (which must not throw) until it completes.</summary>
    public void Track(Task confirmation)
    {
        _confirmations.TryAdd(confirmation, 0);
        _ = confirmation.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _), _confirmations, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Completes when every release begun before this call is answered, or after <paramref name="limit"/>.</summary>
    public async Task WhenSettledAsync(TimeSpan limit, CancellationToken cancellationToken = default)
    {
        if (_confirmations.IsEmpty)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_confirmations.Keys).WaitAsync(limit, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The server does not answer: what is left expires there with its time-to-live.
        }
    }
}
