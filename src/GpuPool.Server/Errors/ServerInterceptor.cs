using GpuPool.Protocol;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Errors;

/// <summary>
/// Runs around every GpuPool call: authenticates the API key (UNAUTHENTICATED otherwise), then maps what
/// the handler throws to a status with the <see cref="ErrorKinds"/> trailers. Health checks pass unauthenticated.
/// Unary requests and client-stream messages are checked against <see cref="RequestLimits"/> here; the
/// bidirectional streams check each message themselves, so that one bad message fails only its own call.
/// </summary>
internal sealed class ServerInterceptor(ApiKeyRegistry keys, ServerErrorMapper errors, ServerMetrics metrics, TimeProvider time, ILogger<ServerInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var start = time.GetTimestamp();
        if (!Authenticate(context))
        {
            return await continuation(request, context).ConfigureAwait(false);
        }

        try
        {
            if (request is Google.Protobuf.IMessage message)
            {
                RequestLimits.Check(message);
            }

            var response = await continuation(request, context).ConfigureAwait(false);
            Succeeded(context, start);
            return response;
        }
        catch (Exception ex)
        {
            throw Failed(ex, Translate(ex, context), context, start);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var start = time.GetTimestamp();
        Authenticate(context);
        try
        {
            var response = await continuation(new LimitedRequestStream<TRequest>(requestStream), context).ConfigureAwait(false);
            Succeeded(context, start);
            return response;
        }
        catch (Exception ex)
        {
            throw Failed(ex, Translate(ex, context), context, start);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var start = time.GetTimestamp();
        if (!Authenticate(context))
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }

        try
        {
            if (request is Google.Protobuf.IMessage message)
            {
                RequestLimits.Check(message);
            }

            await continuation(request, responseStream, context).ConfigureAwait(false);
            Succeeded(context, start);
        }
        catch (Exception ex)
        {
            throw Failed(ex, Translate(ex, context), context, start);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var start = time.GetTimestamp();
        Authenticate(context);
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            Succeeded(context, start);
        }
        catch (Exception ex)
        {
            throw Failed(ex, Translate(ex, context), context, start);
        }
    }

    /// <summary>Stores the caller on the call; returns false for calls that need no key (health checks).</summary>
    private bool Authenticate(ServerCallContext context)
    {
        if (context.Method.StartsWith("/grpc.health.", StringComparison.Ordinal))
        {
            return false;
        }

        var key = PresentedApiKey.Read(context.RequestHeaders);
        var caller = keys.Find(key);
        if (caller is null)
        {
            ServerLog.AuthenticationFailed(logger, context.Method, PresentedApiKey.Reason(key), context.Peer);
            throw PresentedApiKey.Unauthenticated(key).ToRpcException();
        }

        context.UserState[CallContextExtensions.CallerKey] = caller;
        return true;
    }

    private void Succeeded(ServerCallContext context, long start) => metrics.Request(context.Method, StatusCode.OK, time.GetElapsedTime(start));

    private RpcException Failed(Exception exception, RpcException error, ServerCallContext context, long start)
    {
        // A client that went away (reset stream, cancelled read) is counted as cancelled, not as a server fault.
        var status = exception is IOException or OperationCanceledException ? StatusCode.Cancelled : error.StatusCode;
        metrics.Request(context.Method, status, time.GetElapsedTime(start));
        return error;
    }

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        if (exception is RpcException rpc)
        {
            return rpc;
        }

        var tenant = context.UserState.TryGetValue(CallContextExtensions.CallerKey, out var c) && c is CallerIdentity id ? id.Tenant : "";
        if (!ServerErrorMapper.IsExpected(exception))
        {
            ServerLog.CallFailed(logger, context.Method, tenant, exception);
        }

        var error = errors.Map(exception, context.CancellationToken);
        ServerLog.CallRejected(logger, context.Method, tenant, error.Code, error.Kind);
        return error.ToRpcException();
    }
}
