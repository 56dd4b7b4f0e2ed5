using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Bulk;

internal static partial class BulkLog
{
    [LoggerMessage(EventId = 2500, EventName = "BulkRunFailed", Level = LogLevel.Error, Message = "A bulk run failed")]
    public static partial void RunFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2501, EventName = "BulkEndpoints", Level = LogLevel.Information, Message = "Bulk runs: {Endpoints}")]
    public static partial void Endpoints(ILogger logger, string endpoints);

    [LoggerMessage(EventId = 2502, EventName = "BulkTcpListening", Level = LogLevel.Information, Message = "Bulk runs over raw TCP on {EndPoint}")]
    public static partial void TcpListening(ILogger logger, System.Net.EndPoint endPoint);

    [LoggerMessage(EventId = 2503, EventName = "BulkTcpConnectionRefused", Level = LogLevel.Warning, Message = "A raw TCP bulk connection from {Remote} was closed: {Limit} connections are open (GpuPoolServer:Bulk:TcpMaxConnections)")]
    public static partial void TcpConnectionRefused(ILogger logger, System.Net.EndPoint? remote, int limit);

    [LoggerMessage(EventId = 2504, EventName = "BulkTcpConnectionFailed", Level = LogLevel.Debug, Message = "A raw TCP bulk connection from {Remote} ended: {Reason}")]
    public static partial void TcpConnectionEnded(ILogger logger, System.Net.EndPoint? remote, string reason);
}
