using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Bulk;

internal static partial class BulkLog
{
    [LoggerMessage(EventId = 2500, EventName = "BulkRunFailed", Level = LogLevel.Error, Message = "A bulk run failed")]
    public static partial void RunFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2501, EventName = "BulkEndpoints", Level = LogLevel.Information, Message = "Bulk runs: {Endpoints}")]
    public static partial void Endpoints(ILogger logger, string endpoints);
}
