using Microsoft.Extensions.Logging;

namespace GpuPool.Remote;

/// <summary>Every log message of the SDK's remote client; event ids 3000-3999. API keys are never logged.</summary>
internal static partial class SdkLog
{
    [LoggerMessage(EventId = 3000, EventName = "SessionConnected", Level = LogLevel.Debug, Message = "Session to {Server} connected (server instance {Instance})")]
    public static partial void SessionConnected(ILogger logger, string server, string instance);

    [LoggerMessage(EventId = 3001, EventName = "SessionBroken", Level = LogLevel.Warning, Message = "Session to {Server} broke; reconnecting in {DelayMs} ms")]
    public static partial void SessionBroken(ILogger logger, string server, long delayMs, Exception exception);

    [LoggerMessage(EventId = 3002, EventName = "ServerRestarted", Level = LogLevel.Warning, Message = "Server {Server} restarted (instance {Old} -> {New}); re-attaching leases it may have restored")]
    public static partial void ServerRestarted(ILogger logger, string server, string old, string @new);

    [LoggerMessage(EventId = 3010, EventName = "LeaseLost", Level = LogLevel.Warning, Message = "Lease {LeaseId} lost: {Reason}")]
    public static partial void LeaseLost(ILogger logger, string leaseId, LeaseLostReason reason);

    [LoggerMessage(EventId = 3011, EventName = "ReleaseFailed", Level = LogLevel.Warning, Message = "Lease {LeaseId} could not be released; the server reclaims it when its time-to-live passes")]
    public static partial void ReleaseFailed(ILogger logger, string leaseId, Exception exception);

    [LoggerMessage(EventId = 3012, EventName = "OrphanReleased", Level = LogLevel.Debug, Message = "Lease {LeaseId} was granted after its request was cancelled; released it")]
    public static partial void OrphanReleased(ILogger logger, string leaseId);

    [LoggerMessage(EventId = 3020, EventName = "ModelUploaded", Level = LogLevel.Debug, Message = "Model {Name} ({ContentHash}, {Bytes} bytes) uploaded to lease {LeaseId}")]
    public static partial void ModelUploaded(ILogger logger, string name, string contentHash, long bytes, string leaseId);

    [LoggerMessage(EventId = 3021, EventName = "ModelReused", Level = LogLevel.Debug, Message = "Model {Name} ({ContentHash}) was on the server already; not uploaded")]
    public static partial void ModelReused(ILogger logger, string name, string contentHash);

    [LoggerMessage(EventId = 3030, EventName = "NodeConnectionOpened", Level = LogLevel.Debug, Message = "Opened a connection to pool node {Address} for the model calls of its leases")]
    public static partial void NodeConnectionOpened(ILogger logger, string address);

    [LoggerMessage(EventId = 3031, EventName = "LeaseRedirected", Level = LogLevel.Information, Message = "Lease {LeaseId} is served by {Owner}, not {Previous}; following the redirect")]
    public static partial void LeaseRedirected(ILogger logger, string leaseId, string owner, string previous);

    [LoggerMessage(EventId = 3032, EventName = "AcquireRetried", Level = LogLevel.Warning, Message = "Acquire failed on a server of the pool ({Status}); retrying on another in {DelayMs} ms")]
    public static partial void AcquireRetried(ILogger logger, string status, long delayMs);

    [LoggerMessage(EventId = 3033, EventName = "LeaseReattached", Level = LogLevel.Information, Message = "Lease {LeaseId} re-attached by id and fencing token (served by {Owner})")]
    public static partial void LeaseReattached(ILogger logger, string leaseId, string owner);

    [LoggerMessage(EventId = 3040, EventName = "BulkUnavailable", Level = LogLevel.Warning, Message = "The bulk run endpoint of {Server} could not be reached; large runs go over gRPC for a while")]
    public static partial void BulkUnavailable(ILogger logger, string server, Exception exception);
}
