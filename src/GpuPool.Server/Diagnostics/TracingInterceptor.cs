using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GpuPool.Server.Diagnostics;

/// <summary>
/// A server span per gRPC call on the <c>GpuPool.Server</c> source, child of the caller's W3C trace context
/// (<c>traceparent</c> / <c>tracestate</c> request headers) when ASP.NET Core has not already made it current.
/// The engine's spans (placement, journal, queue wait, execution) nest under it.
/// </summary>
internal sealed class TracingInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var activity = Start(context);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failed(activity, ex))
        {
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var activity = Start(context);
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failed(activity, ex))
        {
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var activity = Start(context);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failed(activity, ex))
        {
            throw;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var activity = Start(context);
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failed(activity, ex))
        {
            throw;
        }
    }

    private static Activity? Start(ServerCallContext context)
    {
        var source = ServerActivity.Source;
        if (!source.HasListeners())
        {
            return null;
        }

        var method = context.Method.TrimStart('/');
        var parent = Activity.Current?.Context ?? RemoteParent(context.RequestHeaders);
        var activity = source.StartActivity(method, ActivityKind.Server, parent);
        activity?.SetTag("rpc.system", "grpc");
        activity?.SetTag("rpc.method", method);
        return activity;
    }

    private static ActivityContext RemoteParent(Metadata headers) =>
        ActivityContext.TryParse(headers.GetValue("traceparent"), headers.GetValue("tracestate"), isRemote: true, out var parent) ? parent : default;

    private static bool Failed(Activity? activity, Exception exception)
    {
        if (activity is not null)
        {
            var code = exception is RpcException rpc ? rpc.StatusCode.ToString() : exception.GetType().Name;
            activity.SetStatus(ActivityStatusCode.Error, code);
        }

        return false;
    }
}
