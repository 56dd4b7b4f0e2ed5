using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.Support;

/// <summary>
/// A session stream without a server: says hello, then delivers events as fast as they are read. Like a
/// gRPC call, a read on a disposed call throws <see cref="ObjectDisposedException"/> and a read on a
/// cancelled call throws <see cref="RpcException"/> (Cancelled). It records a disposal that came while a read
/// was in progress, which is the race a session's disposal must not have.
/// </summary>
internal sealed class FakeSessionStream : IAsyncStreamReader<V1.SessionEvent>, IClientStreamWriter<V1.SessionRequest>
{
    private readonly CancellationToken _cancellationToken;
    private int _reading;
    private int _disposed;
    private bool _helloSent;

    private FakeSessionStream(CancellationToken cancellationToken) => _cancellationToken = cancellationToken;

    public V1.SessionEvent Current { get; private set; } = new();

    public WriteOptions? WriteOptions { get; set; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public bool DisposedDuringRead { get; private set; }

    /// <summary>Opens a call over a new fake stream; <paramref name="opened"/> receives the stream.</summary>
    public static AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent> Open(Action<FakeSessionStream> opened, CancellationToken cancellationToken)
    {
        var stream = new FakeSessionStream(cancellationToken);
        opened(stream);
        return new AsyncDuplexStreamingCall<V1.SessionRequest, V1.SessionEvent>(
            stream, stream, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], stream.Dispose);
    }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reading);
        try
        {
            await Task.Yield();
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (_cancellationToken.IsCancellationRequested || cancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
            }

            Current = _helloSent
                ? new V1.SessionEvent { Reply = new V1.SessionReply { CallId = -1 } }
                : new V1.SessionEvent { Hello = new V1.SessionHello { ServerInstance = "fake" } };
            _helloSent = true;
            return true;
        }
        finally
        {
            Interlocked.Decrement(ref _reading);
        }
    }

    public Task WriteAsync(V1.SessionRequest message) => Task.CompletedTask;

    public Task CompleteAsync() => Task.CompletedTask;

    private void Dispose()
    {
        DisposedDuringRead |= Volatile.Read(ref _reading) != 0;
        Volatile.Write(ref _disposed, 1);
    }
}
