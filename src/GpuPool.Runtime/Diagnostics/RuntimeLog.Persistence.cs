using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime;

/// <summary>Log messages of the durable lease journal and of restore; event ids 1600-1699.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1600, EventName = "JournalOpened", Level = LogLevel.Information, Message = "Lease journal {Path} opened: {Leases} live lease(s) recorded, highest fencing token {FencingToken}")]
    public static partial void JournalOpened(ILogger logger, string path, int leases, long fencingToken);

    [LoggerMessage(EventId = 1601, EventName = "JournalLoadFailed", Level = LogLevel.Critical, Message = "The lease journal could not be read at start-up; no lease will be granted until it can be and the pool is restarted")]
    public static partial void JournalLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1602, EventName = "LeaseRestored", Level = LogLevel.Debug, Message = "Lease {LeaseId} of {Tenant} restored on {DeviceId} with fencing token {FencingToken}, expiring at {ExpiresAt}")]
    public static partial void LeaseRestored(ILogger logger, string leaseId, string tenant, string deviceId, long fencingToken, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1603, EventName = "LeaseNotRestored", Level = LogLevel.Warning, Message = "Journaled lease {LeaseId} of {Tenant} was not restored: {Reason}")]
    public static partial void LeaseNotRestored(ILogger logger, string leaseId, string tenant, string reason);

    [LoggerMessage(EventId = 1604, EventName = "LeasesRestored", Level = LogLevel.Information, Message = "Restored {Restored} lease(s) from the journal ({Dropped} dropped); fencing continues above {FencingToken}")]
    public static partial void LeasesRestored(ILogger logger, int restored, int dropped, long fencingToken);

    [LoggerMessage(EventId = 1605, EventName = "JournalWriteFailed", Level = LogLevel.Error, Message = "The lease journal could not record {Operation} of lease {LeaseId}")]
    public static partial void JournalWriteFailed(ILogger logger, string operation, string leaseId, Exception exception);

    [LoggerMessage(EventId = 1606, EventName = "JournalPendingEndsWritten", Level = LogLevel.Information, Message = "The lease journal recorded {Count} lease end(s) that had failed earlier")]
    public static partial void JournalPendingEndsWritten(ILogger logger, int count);

    [LoggerMessage(EventId = 1607, EventName = "JournalDeviceWriteFailed", Level = LogLevel.Error, Message = "The lease journal could not record that device {DeviceId} is draining: {Draining}")]
    public static partial void JournalDeviceWriteFailed(ILogger logger, string deviceId, bool draining, Exception exception);

    [LoggerMessage(EventId = 1608, EventName = "DrainRestored", Level = LogLevel.Information, Message = "Device {DeviceId} on {Node} is draining again, as it was when the pool stopped")]
    public static partial void DrainRestored(ILogger logger, string node, string deviceId);

    [LoggerMessage(EventId = 1609, EventName = "DrainedDeviceGone", Level = LogLevel.Warning, Message = "Device {DeviceId} on {Node} was draining when the pool stopped and is not there now")]
    public static partial void DrainedDeviceGone(ILogger logger, string node, string deviceId);

    [LoggerMessage(EventId = 1610, EventName = "ModelNotReloaded", Level = LogLevel.Warning, Message = "Model {ModelId} of lease {LeaseId} could not be loaded again after the restart; it is forgotten")]
    public static partial void ModelNotReloaded(ILogger logger, string modelId, string leaseId, Exception exception);

    [LoggerMessage(EventId = 1611, EventName = "ModelsReloaded", Level = LogLevel.Information, Message = "Reloaded {Reloaded} model(s) of restored leases ({Failed} failed); {Pruned} unused stored model(s) deleted")]
    public static partial void ModelsReloaded(ILogger logger, int reloaded, int failed, int pruned);
}
