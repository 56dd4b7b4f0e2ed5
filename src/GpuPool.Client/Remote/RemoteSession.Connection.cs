using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

internal sealed partial class RemoteSession
{
    private async Task RunAsync()
    {
        var backoff = TimeSpan.FromMilliseconds(50);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent>? call = null;
            try
            {
                call = _connection.Leases.Session(_connection.Options(token));
                if (!await call.ResponseStream.MoveNext(token).ConfigureAwait(false) || call.ResponseStream.Current.KindCase != V1.SessionEvent.KindOneofCase.Hello)
                {
                    throw new SessionBrokenException();
                }

                OnConnected(call.ResponseStream.Current.Hello.ServerInstance);

                // Releases the last stream did not confirm are being sent again as unary calls: the new stream
                // opens for requests after them, so that an acquire on it cannot overtake them.
                await Releases.WhenSettledAsync(ReleaseLimit, token).ConfigureAwait(false);
                Volatile.Write(ref _call, call);
                backoff = TimeSpan.FromMilliseconds(50);
                await ReattachAsync(call).ConfigureAwait(false);
                while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                {
                    OnEvent(call.ResponseStream.Current);
                }
            }
            catch (Exception ex) when (!token.IsCancellationRequested && ex is RpcException or IOException or SessionBrokenException or InvalidOperationException)
            {
                SdkLog.SessionBroken(_logger, _connection.Server, (long)backoff.TotalMilliseconds, ex);
            }
            catch (Exception ex) when (token.IsCancellationRequested && ex is OperationCanceledException or RpcException or IOException)
            {
                break;
            }
            finally
            {
                Volatile.Write(ref _call, null);
                call?.Dispose();
                foreach (var callId in _pending.Keys)
                {
                    if (_pending.TryRemove(callId, out var waiter))
                    {
                        waiter.TrySetException(new SessionBrokenException());
                    }
                }
            }

            try
            {
                await Task.Delay(backoff, _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    private void OnConnected(string instance)
    {
        var previous = ServerInstance;
        ServerInstance = instance;
        if (previous is not null && !string.Equals(previous, instance, StringComparison.Ordinal))
        {
            SdkLog.ServerRestarted(_logger, _connection.Server, previous, instance);
        }

        // Leases of an earlier server process are not given up here: a server that journals its leases
        // restores them, so the re-attach below asks. The server renews those it knows (see OnReply) and
        // reports the others lost, which LostReasonForUnknown turns into ServerRestarted.
        SdkLog.SessionConnected(_logger, _connection.Server, instance);
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
