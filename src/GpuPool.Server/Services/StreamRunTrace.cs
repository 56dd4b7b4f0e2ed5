using System.Diagnostics;
using GpuPool.Server.Diagnostics;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>
/// A server span per run of a RunStream, child of the trace context the run carries (<c>traceparent</c> in the
/// request): the stream's own span has the context of the call that opened it, not of each run. Named as the unary
/// call's span, so a run's trace looks the same whichever way it came.
/// </summary>
internal static class StreamRunTrace
{
    private const string RunSpan = "gpupool.v1.Inference/Run";

    /// <summary>Starts the run's span (current for the run's engine spans), or null when nobody listens or the run carries no context.</summary>
    public static Activity? Start(V1.RunRequest request)
    {
        if (request.Traceparent.Length == 0 || !ServerActivity.Source.HasListeners()
            || !ActivityContext.TryParse(request.Traceparent, request.Tracestate, isRemote: true, out var parent))
        {
            return null;
        }

        var activity = ServerActivity.Source.StartActivity(RunSpan, ActivityKind.Server, parent);
        activity?.SetTag("rpc.system", "grpc");
        activity?.SetTag("rpc.method", RunSpan);
        return activity;
    }
}
