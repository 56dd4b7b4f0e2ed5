using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime;

/// <summary>Log messages of scheduling, model sharing, batching and worker isolation; event ids 1100-1399.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1100, EventName = "DeviceQueueCreated", Level = LogLevel.Debug, Message = "Device {DeviceId} scheduler: {Slots} run slot(s), {Threads} thread(s) per run")]
    public static partial void DeviceQueueCreated(ILogger logger, string deviceId, int slots, int threads);

    [LoggerMessage(EventId = 1101, EventName = "RunRejected", Level = LogLevel.Debug, Message = "Run of lease {LeaseId} rejected on {DeviceId}: queue full, retry after {RetryAfter}")]
    public static partial void RunRejected(ILogger logger, string leaseId, string deviceId, TimeSpan retryAfter);

    [LoggerMessage(EventId = 1200, EventName = "ModelShared", Level = LogLevel.Debug, Message = "Model {ContentHash} on {DeviceId} shared with lease {LeaseId}: {Users} user(s)")]
    public static partial void ModelShared(ILogger logger, string contentHash, string deviceId, string leaseId, int users);

    [LoggerMessage(EventId = 1201, EventName = "ModelEvicted", Level = LogLevel.Information, Message = "Unused model {ContentHash} evicted from {DeviceId} ({MemoryBytes} bytes): least recently used")]
    public static partial void ModelEvicted(ILogger logger, string contentHash, string deviceId, long memoryBytes);

    [LoggerMessage(EventId = 1202, EventName = "ModelDisposed", Level = LogLevel.Debug, Message = "Model {ContentHash} on {DeviceId} disposed: no user and no run left")]
    public static partial void ModelDisposed(ILogger logger, string contentHash, string deviceId);

    [LoggerMessage(EventId = 1210, EventName = "BatchingUnavailable", Level = LogLevel.Information, Message = "Model {ModelName} has no batch dimension on every input and output; its requests run one by one")]
    public static partial void BatchingUnavailable(ILogger logger, string modelName);

    [LoggerMessage(EventId = 1300, EventName = "WorkerStarted", Level = LogLevel.Information, Message = "Worker process {ProcessId} started for lease {LeaseId} on {DeviceId}")]
    public static partial void WorkerStarted(ILogger logger, int processId, string leaseId, string deviceId);

    [LoggerMessage(EventId = 1301, EventName = "WorkerExited", Level = LogLevel.Warning, Message = "Worker process {ProcessId} of lease {LeaseId} exited unexpectedly; the lease's calls in flight failed and the next one starts a new worker")]
    public static partial void WorkerExited(ILogger logger, int processId, string leaseId, Exception? exception);

    [LoggerMessage(EventId = 1302, EventName = "WorkerStopped", Level = LogLevel.Debug, Message = "Worker process {ProcessId} of lease {LeaseId} stopped")]
    public static partial void WorkerStopped(ILogger logger, int processId, string leaseId);

    [LoggerMessage(EventId = 1303, EventName = "WorkerOutput", Level = LogLevel.Debug, Message = "Worker of lease {LeaseId}: {Line}")]
    public static partial void WorkerOutput(ILogger logger, string leaseId, string line);
}
