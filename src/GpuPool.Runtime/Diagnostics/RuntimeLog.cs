using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime;

/// <summary>Every log message of GpuPool.Runtime; event ids 1000-1999.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1000, EventName = "DevicesDiscovered", Level = LogLevel.Information, Message = "Device provider {Provider} found {Count} device(s)")]
    public static partial void DevicesDiscovered(ILogger logger, string provider, int count);

    [LoggerMessage(EventId = 1001, EventName = "DeviceProviderFailed", Level = LogLevel.Warning, Message = "Device provider {Provider} failed; its devices are not offered")]
    public static partial void DeviceProviderFailed(ILogger logger, string provider, Exception exception);

    [LoggerMessage(EventId = 1010, EventName = "LeaseGranted", Level = LogLevel.Debug, Message = "Lease {LeaseId} granted to {Tenant} on {DeviceId}: {MemoryBytes} bytes, {ComputeMilli} milli")]
    public static partial void LeaseGranted(ILogger logger, string leaseId, string tenant, string deviceId, long memoryBytes, int computeMilli);

    [LoggerMessage(EventId = 1011, EventName = "LeaseReleased", Level = LogLevel.Debug, Message = "Lease {LeaseId} released")]
    public static partial void LeaseReleased(ILogger logger, string leaseId);

    [LoggerMessage(EventId = 1012, EventName = "LeaseLost", Level = LogLevel.Information, Message = "Lease {LeaseId} lost: {Reason}")]
    public static partial void LeaseLost(ILogger logger, string leaseId, LeaseLostReason reason);

    [LoggerMessage(EventId = 1013, EventName = "DeviceDrained", Level = LogLevel.Information, Message = "Device {DeviceId} draining: {Draining}")]
    public static partial void DeviceDrained(ILogger logger, string deviceId, bool draining);

    [LoggerMessage(EventId = 1020, EventName = "ModelLoaded", Level = LogLevel.Information, Message = "Model {ModelName} ({ContentHash}) loaded into lease {LeaseId}: {MemoryBytes} bytes charged")]
    public static partial void ModelLoaded(ILogger logger, string modelName, string contentHash, string leaseId, long memoryBytes);

    [LoggerMessage(EventId = 1021, EventName = "ModelUnloaded", Level = LogLevel.Debug, Message = "Model {ModelId} unloaded from lease {LeaseId}")]
    public static partial void ModelUnloaded(ILogger logger, string modelId, string leaseId);

    [LoggerMessage(EventId = 1014, EventName = "JournalEndFailed", Level = LogLevel.Error, Message = "Lease {LeaseId} ended but the journal could not record it; it will be restored and expire after a restart")]
    public static partial void JournalEndFailed(ILogger logger, string leaseId, Exception exception);
}
