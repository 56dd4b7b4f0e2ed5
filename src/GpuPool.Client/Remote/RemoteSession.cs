using System.Collections.Concurrent;
using GpuPool.Protocol.Conversion;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>
/// The client's session stream: one per pool. It carries fast acquires and releases, pings that renew
/// every lease of the client, and the server's news that a lease was lost. It reconnects when the stream
/// breaks, re-attaching its leases; after a restart (new instance) the server keeps the leases it restored from its
/// journal and reports the rest lost.
/// </summary>
internal sealed partial class RemoteSession : IAsyncDisposable
{
    /// <summary>How long a release may wait for the server's answer (and others for outstanding releases) before the lease is left to expire there.</summary>
    public static readonly TimeSpan ReleaseLimit = TimeSpan.FromSeconds(10);
    private readonly Func<CancellationToken, AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent>> _openStream;
    private readonly string _server;
    private readonly ResiliencePipeline _reconnect;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RemoteLease> _leases = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<V1.SessionReply>> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _keepAlive;
    private readonly Task _loop;
    private AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent>? _call;
    private long _nextCallId;

    public RemoteSession(RemoteConnection connection, TimeProvider time, TimeSpan keepAliveInterval, ILogger logger)
        : this(connection.Server, token => OpenSession(connection, token), time, keepAliveInterval, logger)
    {
    }

    /// <summary>Opens a session stream; its response headers say where the server takes bulk runs.</summary>
    private static AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent> OpenSession(RemoteConnection connection, CancellationToken cancellationToken)
    {
        var call = connection.Leases.Session(connection.Options(cancellationToken));
        connection.Bulk.LearnWhenReady(call.ResponseHeadersAsync);
        return call;
    }

    /// <summary>A session over the streams <paramref name="openStream"/> opens (tests pass their own calls).</summary>
    internal RemoteSession(string server, Func<CancellationToken, AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent>> openStream, TimeProvider time, TimeSpan keepAliveInterval, ILogger logger)
    {
        _server = server;
        _openStream = openStream;
        _time = time;
        _logger = logger;
        _reconnect = ReconnectPipeline(server, time, logger);
        Releases = new ReleasesInFlight(time);
        _keepAlive = time.CreateTimer(static s => ((RemoteSession)s!).OnKeepAlive(), this, keepAliveInterval, keepAliveInterval);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The server instance of the current (or last) stream; null before the first connection.</summary>
    public string? ServerInstance { get; private set; }

    /// <summary>True while the stream is up.</summary>
    public bool IsConnected => Volatile.Read(ref _call) is not null;

    public TimeProvider Time => _time;

    /// <summary>Releases sent on (or after) this stream that the server has not confirmed yet.</summary>
    public ReleasesInFlight Releases { get; }

    public void Track(RemoteLease lease) => _leases[lease.Id] = lease;

    public void Forget(RemoteLease lease) => _leases.TryRemove(new KeyValuePair<string, RemoteLease>(lease.Id, lease));

    /// <summary>
    /// Sends a request on the stream and waits for its reply. Throws <see cref="SessionBrokenException"/>
    /// when the stream is down or breaks before the reply (the caller may fall back to a unary call).
    /// </summary>
    public async Task<V1.SessionReply> CallAsync(V1.SessionRequest request, CancellationToken cancellationToken)
    {
        var reply = await SendCallAsync(request).ConfigureAwait(false);
        try
        {
            return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _pending.TryRemove(request.CallId, out _);
            if (request.KindCase == V1.SessionRequest.KindOneofCase.Acquire)
            {
                // The server may still grant it: cancel there, and release whatever arrives late (see OnReply).
                _ = SendAsync(new V1.SessionRequest { Cancel = new V1.Cancel { CallId = request.CallId } });
            }

            throw;
        }
    }

    /// <summary>
    /// Sends a request on the stream and returns, once it is written, the task of its reply; that task
    /// fails with <see cref="SessionBrokenException"/> if the stream breaks first. Throws
    /// <see cref="SessionBrokenException"/> when the stream is down.
    /// </summary>
    public async Task<Task<V1.SessionReply>> SendCallAsync(V1.SessionRequest request)
    {
        var call = Volatile.Read(ref _call) ?? throw new SessionBrokenException();
        request.CallId = Interlocked.Increment(ref _nextCallId);
        var reply = new TaskCompletionSource<V1.SessionReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.CallId] = reply;
        if (!ReferenceEquals(Volatile.Read(ref _call), call))
        {
            // The stream broke while this was being registered; its waiters may already have been failed.
            _pending.TryRemove(request.CallId, out _);
            throw new SessionBrokenException();
        }

        try
        {
            await WriteAsync(call, request).ConfigureAwait(false);
        }
        catch
        {
            _pending.TryRemove(request.CallId, out _);
            throw;
        }

        return reply.Task;
    }

    /// <summary>Sends without waiting for a reply; false when the stream is down.</summary>
    public async Task<bool> SendAsync(V1.SessionRequest request)
    {
        var call = Volatile.Read(ref _call);
        if (call is null)
        {
            return false;
        }

        request.CallId = request.CallId == 0 ? Interlocked.Increment(ref _nextCallId) : request.CallId;
        try
        {
            await WriteAsync(call, request).ConfigureAwait(false);
            return true;
        }
        catch (SessionBrokenException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _keepAlive.DisposeAsync().ConfigureAwait(false);

        // The loop owns its call: cancelling ends the call's read, and the loop disposes the call once it
        // stopped using it. Disposing it here raced that read (ObjectDisposedException out of MoveNext).
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        // _writeLock is not disposed: a writer that raced the stop may still release it (it holds no handle).
        _stop.Dispose();
    }

    private async Task WriteAsync(AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent> call, V1.SessionRequest request)
    {
        try
        {
            await _writeLock.WaitAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The session is being disposed.
            throw new SessionBrokenException(ex);
        }

        try
        {
            await call.RequestStream.WriteAsync(request).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            throw new SessionBrokenException(ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void OnKeepAlive()
    {
        var now = _time.GetUtcNow();
        foreach (var lease in _leases.Values)
        {
            // Past its expiry with no renewal that reached the server: the server has reclaimed it.
            if (lease.ExpiresAt <= now)
            {
                lease.MarkLost(LeaseLostReason.ConnectionLost);
            }
        }

        if (!_leases.IsEmpty)
        {
            _ = SendAsync(new V1.SessionRequest { Ping = new V1.Ping() });
        }
    }

    private void OnEvent(V1.SessionEvent message)
    {
        switch (message.KindCase)
        {
            case V1.SessionEvent.KindOneofCase.Reply:
                OnReply(message.Reply);
                break;
            case V1.SessionEvent.KindOneofCase.Lost:
                if (_leases.TryGetValue(message.Lost.LeaseId, out var lease))
                {
                    var reason = WireFormat.FromWire(message.Lost.Reason);
                    lease.MarkLost(reason == LeaseLostReason.None ? LostReasonForUnknown(lease) : reason);
                }

                break;
        }
    }

    private void OnReply(V1.SessionReply reply)
    {
        if (reply.ResultCase == V1.SessionReply.ResultOneofCase.Renewed)
        {
            foreach (var ttl in reply.Renewed.Leases)
            {
                if (_leases.TryGetValue(ttl.LeaseId, out var lease))
                {
                    // Renewed by this server process: it knows the lease (one restored from a journal too).
                    lease.ServerInstance = ServerInstance ?? lease.ServerInstance;
                    lease.Renewed(ttl.TtlRemainingMs);
                }
            }
        }

        if (_pending.TryRemove(reply.CallId, out var waiter))
        {
            waiter.TrySetResult(reply);
        }
        else if (reply.ResultCase == V1.SessionReply.ResultOneofCase.Acquired && reply.Acquired.Lease is { } orphan)
        {
            SdkLog.OrphanReleased(_logger, orphan.Id);
            _ = SendAsync(new V1.SessionRequest { Release = new V1.ReleaseRequest { LeaseId = orphan.Id, FencingToken = orphan.FencingToken } });
        }
    }

    private LeaseLostReason LostReasonForUnknown(RemoteLease lease) =>
        string.Equals(lease.ServerInstance, ServerInstance, StringComparison.Ordinal) ? LeaseLostReason.Expired : LeaseLostReason.ServerRestarted;
}
