using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

internal sealed partial class RemoteSession
{
    /// <summary>The first wait after a failed connection attempt; each further failure doubles it, with jitter.</summary>
    internal static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between connection attempts.</summary>
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Retries opening the stream until it is up or the session stops: exponential backoff with jitter,
    /// capped at <see cref="MaxBackoff"/>, on the session's clock. Each reconnect after a stream that was up
    /// starts the backoff afresh (streams that end right after opening are slowed down in <see cref="RunAsync"/>).
    /// </summary>
    private static ResiliencePipeline ReconnectPipeline(string server, TimeProvider time, ILogger logger) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<RpcException>()
                    .Handle<IOException>()
                    .Handle<SessionBrokenException>()
                    .Handle<InvalidOperationException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstBackoff,
                MaxDelay = MaxBackoff,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    SdkLog.SessionBroken(logger, server, (long)args.RetryDelay.TotalMilliseconds, args.Outcome.Exception!);
                    return default;
                },
            })
            .Build();

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var shortStreams = 0;
        while (!token.IsCancellationRequested)
        {
            AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent>? call = null;
            var connectedAt = DateTimeOffset.MaxValue;
            try
            {
                call = await _reconnect.ExecuteAsync(static (self, ct) => self.ConnectAsync(ct), this, token).ConfigureAwait(false);
                connectedAt = _time.GetUtcNow();

                // Releases the last stream did not confirm are being sent again as unary calls: the new stream
                // opens for requests after them, so that an acquire on it cannot overtake them.
                await Releases.WhenSettledAsync(ReleaseLimit, token).ConfigureAwait(false);
                Volatile.Write(ref _call, call);
                await ReattachAsync(call).ConfigureAwait(false);
                while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                {
                    OnEvent(call.ResponseStream.Current);
                }
            }
            catch (Exception ex) when (token.IsCancellationRequested && ex is OperationCanceledException or RpcException or IOException or SessionBrokenException or InvalidOperationException)
            {
                break;
            }
            catch (Exception ex) when (ex is RpcException or IOException or SessionBrokenException or InvalidOperationException)
            {
                SdkLog.SessionBroken(_logger, _server, 0, ex);
            }
            finally
            {
                Volatile.Write(ref _call, null);
                call?.Dispose();
                FailPending();
            }

            // A stream that lived a while is reopened at once; one that a server keeps ending right after it
            // opened (shutting down, refusing the session) is reopened with a growing, jittered delay.
            shortStreams = _time.GetUtcNow() - connectedAt >= MaxBackoff ? 0 : shortStreams + 1;
            if (shortStreams > 0 && !await DelayAsync(ShortStreamDelay(shortStreams), token).ConfigureAwait(false))
            {
                break;
            }
        }
    }

    private static TimeSpan ShortStreamDelay(int shortStreams)
    {
        var exponent = Math.Min(shortStreams - 1, 10);
        var ceiling = Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << exponent);
        return TimeSpan.FromTicks((long)(ceiling * (0.5 + (Random.Shared.NextDouble() / 2))));
    }

    private async ValueTask<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Opens a stream and waits for the server's hello; the caller owns the returned call.</summary>
    private async ValueTask<AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent>> ConnectAsync(CancellationToken cancellationToken)
    {
        var call = _openStream(cancellationToken);
        try
        {
            if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) || call.ResponseStream.Current.KindCase != V1.SessionEvent.KindOneofCase.Hello)
            {
                throw new SessionBrokenException();
            }
        }
        catch
        {
            call.Dispose();
            throw;
        }

        OnConnected(call.ResponseStream.Current.Hello.ServerInstance);
        return call;
    }

    private void FailPending()
    {
        foreach (var callId in _pending.Keys)
        {
            if (_pending.TryRemove(callId, out var waiter))
            {
                waiter.TrySetException(new SessionBrokenException());
            }
        }
    }

    private void OnConnected(string instance)
    {
        var previous = ServerInstance;
        ServerInstance = instance;
        if (previous is not null && !string.Equals(previous, instance, StringComparison.Ordinal))
        {
            SdkLog.ServerRestarted(_logger, _server, previous, instance);
        }

        // Leases of an earlier server process are not given up here: a server that journals its leases
        // restores them, so the re-attach below asks. The server renews those it knows (see OnReply) and
        // reports the others lost, which LostReasonForUnknown turns into ServerRestarted.
        SdkLog.SessionConnected(_logger, _server, instance);
    }

    private async Task ReattachAsync(AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent> call)
    {
        if (_leases.IsEmpty)
        {
            return;
        }

        var attach = new V1.Attach();
        attach.LeaseIds.AddRange(_leases.Keys);
        await WriteAsync(call, new V1.SessionRequest { CallId = Interlocked.Increment(ref _nextCallId), Attach = attach }).ConfigureAwait(false);
    }
}
