using System.Diagnostics;
using GpuPool.Diagnostics;

namespace GpuPool.Remote;

/// <summary>
/// The remote client's one <see cref="ActivitySource"/> (<c>GpuPool.Sdk</c>): client spans for acquire, load and run.
/// Their W3C context travels in the calls' <c>traceparent</c> header (.NET's HTTP handler writes it), so the
/// server's spans join the same trace.
/// </summary>
internal static class ClientActivity
{
    /// <summary>The source; spans cost nothing while no listener samples them.</summary>
    public static ActivitySource Source { get; } = new(GpuPoolInstruments.SdkMeter);

    /// <summary>Starts a client span, or returns null when nobody listens.</summary>
    public static Activity? Start(string name) => Source.StartActivity(name, ActivityKind.Client);

    /// <summary>Marks <paramref name="activity"/> failed; returns false so it can sit in an exception filter.</summary>
    public static bool Failed(Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        return false;
    }
}
