using System.Collections.Concurrent;

namespace GpuPool.Server.Services;

/// <summary>
/// The runs in flight on one RunStream, by call_id: a duplicate call_id is refused while the first is in flight,
/// and a cancel message cancels the run with its call_id (that run only).
/// </summary>
internal sealed class StreamCalls(CancellationToken streamStopped)
{
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _calls = new();

    /// <summary>Registers <paramref name="callId"/>; false when a run with that id is still in flight.</summary>
    public bool TryStart(long callId, out CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(streamStopped);
        if (!_calls.TryAdd(callId, source))
        {
            source.Dispose();
            cancellationToken = default;
            return false;
        }

        cancellationToken = source.Token;
        return true;
    }

    /// <summary>Cancels the run in flight with <paramref name="callId"/>; nothing when there is none.</summary>
    public void Cancel(long callId)
    {
        if (_calls.TryGetValue(callId, out var source))
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run finished meanwhile: nothing is left to cancel.
            }
        }
    }

    /// <summary>The run with <paramref name="callId"/> is answered: its id may be used again.</summary>
    public void Finish(long callId)
    {
        if (_calls.TryRemove(callId, out var source))
        {
            source.Dispose();
        }
    }
}
