using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GpuPool.Server.Tests.Support;

/// <summary>A server interceptor that counts the calls of each gRPC method (<c>/gpupool.v1.Inference/Run</c>, …).</summary>
internal sealed class CallCounter : Interceptor
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public int Of(string method) => _calls.GetValueOrDefault(method);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Count(context);
        return continuation(request, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Count(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Count(ServerCallContext context) => _calls.AddOrUpdate(context.Method, 1, static (_, n) => n + 1);
}
