using System.Diagnostics.Metrics;
using GpuPool.Diagnostics;
using Grpc.Core;

namespace GpuPool.Server.Diagnostics;

/// <summary>The server's instruments on the <c>GpuPool.Server</c> meter (created through <see cref="IMeterFactory"/>).</summary>
internal sealed class ServerMetrics
{
    private readonly Histogram<double> _requests;
    private readonly UpDownCounter<long> _sessions;

    public ServerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(GpuPoolInstruments.ServerMeter);
        _requests = meter.CreateHistogram(
            GpuPoolInstruments.ServerRequestDuration,
            "s",
            "Duration of gRPC calls handled by the server",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = GpuPoolInstruments.DurationBuckets });
        _sessions = meter.CreateUpDownCounter<long>(GpuPoolInstruments.ServerSessionsActive, "{session}", "Client session streams open now");
    }

    /// <summary>Records a finished call (for streams: when the stream ends).</summary>
    public void Request(string method, StatusCode status, TimeSpan duration) => _requests.Record(
        duration.TotalSeconds,
        new KeyValuePair<string, object?>("rpc.method", method),
        new KeyValuePair<string, object?>("rpc.grpc.status_code", (int)status));

    public void SessionOpened() => _sessions.Add(1);

    public void SessionClosed() => _sessions.Add(-1);
}
