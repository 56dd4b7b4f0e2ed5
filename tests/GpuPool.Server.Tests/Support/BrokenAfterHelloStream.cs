using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.Support;

/// <summary>A session stream that says hello and then breaks, as when a connection resets.</summary>
internal sealed class BrokenAfterHelloStream : IAsyncStreamReader<V1.SessionEvent>
{
    private bool _helloSent;

    public V1.SessionEvent Current { get; } = new() { Hello = new V1.SessionHello { ServerInstance = "fake" } };

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_helloSent)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "connection reset"));
        }

        _helloSent = true;
        return Task.FromResult(true);
    }
}
