using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Diagnostics;

/// <summary>Log messages of the server's telemetry; event ids 2900-2949 (the server's range is 2000-2999).</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 2900, EventName = "MetricsServed", Level = LogLevel.Information, Message = "Prometheus metrics at {Path} on port {Port}; {Access}")]
    public static partial void MetricsServed(ILogger logger, string path, int port, string access);

    [LoggerMessage(EventId = 2901, EventName = "MetricsNotServed", Level = LogLevel.Warning, Message = "Prometheus metrics are not served: {Reason}")]
    public static partial void MetricsNotServed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2902, EventName = "MetricsRefused", Level = LogLevel.Debug, Message = "Metrics scrape refused with {StatusCode} (peer {Peer})")]
    public static partial void MetricsRefused(ILogger logger, int statusCode, System.Net.IPAddress? peer);

}
