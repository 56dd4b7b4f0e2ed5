using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime;

/// <summary>Log messages of the device extension point, AMD and Ascend devices and device health; event ids 1700-1729.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1700, EventName = "RocmSmiUnavailable", Level = LogLevel.Debug, Message = "ROCm SMI ({Library}) is not available; no AMD devices are offered: {Reason}")]
    public static partial void RocmSmiUnavailable(ILogger logger, string library, string reason);

    [LoggerMessage(EventId = 1701, EventName = "RocmSmiEnumerationFailed", Level = LogLevel.Warning, Message = "ROCm SMI failed while listing devices; no AMD devices are offered")]
    public static partial void RocmSmiEnumerationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1702, EventName = "AmdDeviceFound", Level = LogLevel.Information, Message = "AMD device {DeviceId}: {Name} ({Uuid}), {MemoryBytes} bytes (validated on fakes only)")]
    public static partial void AmdDeviceFound(ILogger logger, string deviceId, string name, string uuid, long memoryBytes);

    [LoggerMessage(EventId = 1703, EventName = "DcmiUnavailable", Level = LogLevel.Debug, Message = "DCMI ({Library}) is not available; no Ascend devices are offered: {Reason}")]
    public static partial void DcmiUnavailable(ILogger logger, string library, string reason);

    [LoggerMessage(EventId = 1704, EventName = "DcmiEnumerationFailed", Level = LogLevel.Warning, Message = "DCMI failed while listing devices; no Ascend devices are offered")]
    public static partial void DcmiEnumerationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1705, EventName = "AscendDeviceFound", Level = LogLevel.Information, Message = "Ascend device {DeviceId}: {Name} (card {Card}, chip {Chip}, logical id {LogicId}), {MemoryBytes} bytes (validated on fakes only)")]
    public static partial void AscendDeviceFound(ILogger logger, string deviceId, string name, int card, int chip, int logicId, long memoryBytes);

    [LoggerMessage(EventId = 1710, EventName = "DeviceUnhealthy", Level = LogLevel.Warning, Message = "Device {DeviceId} is unhealthy ({Reason}); it takes no new leases and {Revoked} lease(s) on it were revoked")]
    public static partial void DeviceUnhealthy(ILogger logger, string deviceId, string reason, int revoked);

    [LoggerMessage(EventId = 1711, EventName = "DeviceHealthy", Level = LogLevel.Information, Message = "Device {DeviceId} is healthy again and takes new leases")]
    public static partial void DeviceHealthy(ILogger logger, string deviceId);

    [LoggerMessage(EventId = 1712, EventName = "DeviceHealthStarted", Level = LogLevel.Information, Message = "Device health of {Count} device(s) sampled every {Interval}")]
    public static partial void DeviceHealthStarted(ILogger logger, int count, TimeSpan interval);

    [LoggerMessage(EventId = 1713, EventName = "DuplicateDeviceSkipped", Level = LogLevel.Warning, Message = "Device provider {Provider} offered device {DeviceId}, which another provider already offered; it is skipped")]
    public static partial void DuplicateDeviceSkipped(ILogger logger, string provider, string deviceId);

    [LoggerMessage(EventId = 1714, EventName = "DeviceHealthDrainFailed", Level = LogLevel.Warning, Message = "Device {DeviceId} changed health but its drain state could not be recorded")]
    public static partial void DeviceHealthDrainFailed(ILogger logger, string deviceId, Exception exception);

    [LoggerMessage(EventId = 1715, EventName = "DeviceProviderNotValidated", Level = LogLevel.Information, Message = "Device provider {Provider} offers {Count} device(s) but was not validated on real hardware ({Validation})")]
    public static partial void DeviceProviderNotValidated(ILogger logger, string provider, int count, Devices.DeviceValidation validation);
}
