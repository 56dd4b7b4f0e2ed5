using System.Collections.Concurrent;
using System.Diagnostics;
using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>
/// Small model runs of one connection over one long-lived <c>RunStream</c> call, which saves the per-call cost of a
/// unary call (headers, a new HTTP/2 stream). Replies are matched by call_id; a caller that cancels sends a cancel
/// for its call_id, so the server stops the run too. A stream that breaks fails the runs in flight on it (as a broken
/// unary call would) and the next run opens a new one. Failures surface as <see cref="RpcException"/>s with the same
/// status and trailers as a unary <c>Run</c>, so <see cref="RemoteLease.CallAsync{T}"/> maps them alike.
/// </summary>
internal sealed class RunStreamClient(RemoteConnection connection) : IDisposable
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private OpenStream? _stream;
    private long _nextCallId;
    private int _disposed;

    /// <summary>Runs <paramref name="request"/> on the stream (its call_id is set here).</summary>
    public async Task<V1.RunResponse> RunAsync(V1.RunRequest request, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            throw Cancelled();
        }

        var callId = Interlocked.Increment(ref _nextCallId);
        request.CallId = callId;
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            // One stream carries many runs: each run's trace context travels in its own request.
            request.Traceparent = current.Id;
            request.Tracestate = current.TraceStateString ?? string.Empty;
        }

        var reply = new TaskCompletionSource<V1.RunResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        OpenStream stream;
        await _writeGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            stream = _stream is { IsBroken: false } open ? open : _stream = OpenStream.Start(connection);
            stream.Pending[callId] = reply;
            try
            {
                await stream.Call.RequestStream.WriteAsync(request, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException)
            {
                stream.Pending.TryRemove(callId, out _);
                throw stream.Break(ex);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        V1.RunResponse response;
        using (cancellationToken.UnsafeRegister(static (state, _) => ((CancelState)state!).Cancel(), new CancelState(this, stream, callId)))
        {
            response = await reply.Task.ConfigureAwait(false);
        }

        return response.Error is { } error ? throw ToRpcException(error) : response;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stream?.Break(new RpcException(new Status(StatusCode.Cancelled, "The connection was disposed.")));
    }

    /// <summary>The error of a stream reply as the exception a unary call would have thrown.</summary>
    public static RpcException ToRpcException(V1.CallError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var trailers = new Metadata();
        if (error.Kind.Length > 0)
        {
            trailers.Add(ErrorKinds.Trailer, error.Kind);
        }

        if (error.RetryAfterMs > 0)
        {
            trailers.Add(ErrorKinds.RetryAfterTrailer, error.RetryAfterMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var reason = WireFormat.FromWire(error.LostReason);
        if (reason != LeaseLostReason.None)
        {
            trailers.Add(ErrorKinds.LostReasonTrailer, ((int)reason).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new RpcException(new Status((StatusCode)error.Code, error.Message), trailers);
    }

    private static RpcException Cancelled() => new(new Status(StatusCode.Cancelled, "The run was cancelled."));

    /// <summary>Tells the server to stop a run its caller gave up; best effort (a broken stream stopped it anyway).</summary>
    private async Task SendCancelAsync(OpenStream stream, long callId)
    {
        await _writeGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!stream.IsBroken)
            {
                await stream.Call.RequestStream.WriteAsync(new V1.RunRequest { CallId = callId, Cancel = true }, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException)
        {
            stream.Break(ex);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private sealed record CancelState(RunStreamClient Client, OpenStream Stream, long CallId)
    {
        public void Cancel()
        {
            if (Stream.Pending.TryRemove(CallId, out var reply))
            {
                reply.TrySetException(Cancelled());
                _ = Client.SendCancelAsync(Stream, CallId);
            }
        }
    }

    /// <summary>One RunStream call, its reader and the runs waiting for their replies.</summary>
    private sealed class OpenStream
    {
        private int _broken;

        private OpenStream(AsyncDuplexStreamingCall<V1.RunRequest, V1.RunResponse> call) => Call = call;

        public AsyncDuplexStreamingCall<V1.RunRequest, V1.RunResponse> Call { get; }

        public ConcurrentDictionary<long, TaskCompletionSource<V1.RunResponse>> Pending { get; } = new();

        public bool IsBroken => Volatile.Read(ref _broken) != 0;

        public static OpenStream Start(RemoteConnection connection)
        {
            var stream = new OpenStream(connection.Inference.RunStream(connection.Options(CancellationToken.None)));
            connection.Bulk.LearnWhenReady(stream.Call.ResponseHeadersAsync);
            _ = stream.ReadAsync();
            return stream;
        }

        /// <summary>Marks the stream broken and fails every run waiting on it; returns the failure as a unary call would report it.</summary>
        public RpcException Break(Exception cause)
        {
            var failure = cause as RpcException ?? new RpcException(new Status(StatusCode.Unavailable, $"The run stream broke: {cause.Message}", cause));
            if (Interlocked.Exchange(ref _broken, 1) == 0)
            {
                Call.Dispose();
            }

            foreach (var callId in Pending.Keys)
            {
                if (Pending.TryRemove(callId, out var reply))
                {
                    reply.TrySetException(failure);
                }
            }

            return failure;
        }

        private async Task ReadAsync()
        {
            Exception failure;
            try
            {
                while (await Call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
                {
                    var response = Call.ResponseStream.Current;
                    if (Pending.TryRemove(response.CallId, out var reply))
                    {
                        reply.TrySetResult(response);
                    }
                }

                failure = new RpcException(new Status(StatusCode.Unavailable, "The server ended the run stream."));
            }
            catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or ObjectDisposedException)
            {
                failure = ex;
            }

            Break(failure);
        }
    }
}
