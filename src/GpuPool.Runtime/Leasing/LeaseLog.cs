using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Leasing;

/// <summary>Log messages of the lease table's parts (GpuPool.Runtime's event ids 1000-1999; these take 1015-1019).</summary>
internal static partial class LeaseLog
{
    [LoggerMessage(EventId = 1015, EventName = "LeaseEndObserverFailed", Level = LogLevel.Error, Message = "{Observer} failed at stage {Stage} after lease {LeaseId} ended; the later observers still ran")]
    public static partial void EndObserverFailed(ILogger logger, string observer, LeaseEndStage stage, string leaseId, Exception exception);
}
