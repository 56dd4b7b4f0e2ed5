using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime;

/// <summary>Log messages of NVIDIA devices, CUDA interop and telemetry; event ids 1400-1499.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1400, EventName = "NvmlUnavailable", Level = LogLevel.Information, Message = "NVML ({Library}) is not available; no NVIDIA devices are offered: {Reason}")]
    public static partial void NvmlUnavailable(ILogger logger, string library, string reason);

    [LoggerMessage(EventId = 1401, EventName = "NvmlEnumerationFailed", Level = LogLevel.Warning, Message = "NVML failed while listing devices; no NVIDIA devices are offered")]
    public static partial void NvmlEnumerationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1402, EventName = "NvidiaDeviceFound", Level = LogLevel.Information, Message = "NVIDIA device {DeviceId}: {Name} ({Uuid}), {MemoryBytes} bytes, compute capability {ComputeCapability}")]
    public static partial void NvidiaDeviceFound(ILogger logger, string deviceId, string name, string uuid, long memoryBytes, string computeCapability);

    [LoggerMessage(EventId = 1403, EventName = "NvidiaTelemetryStarted", Level = LogLevel.Information, Message = "NVML telemetry of the NVIDIA devices every {Interval}")]
    public static partial void NvidiaTelemetryStarted(ILogger logger, TimeSpan interval);

    [LoggerMessage(EventId = 1404, EventName = "NvidiaTelemetryFailed", Level = LogLevel.Warning, Message = "NVML telemetry of {DeviceId} failed; its last sample stays in force")]
    public static partial void NvidiaTelemetryFailed(ILogger logger, string deviceId, Exception exception);

    [LoggerMessage(EventId = 1405, EventName = "ExternalMemoryChanged", Level = LogLevel.Debug, Message = "Device {DeviceId}: {ExternalBytes} bytes used outside the pool")]
    public static partial void ExternalMemoryChanged(ILogger logger, string deviceId, long externalBytes);

    [LoggerMessage(EventId = 1410, EventName = "CudaUnavailable", Level = LogLevel.Information, Message = "The CUDA driver ({Library}) is not available; leases run without CUDA streams: {Reason}")]
    public static partial void CudaUnavailable(ILogger logger, string library, string reason);

    [LoggerMessage(EventId = 1411, EventName = "CudaDeviceOpened", Level = LogLevel.Information, Message = "CUDA device {CudaDevice} opened for {DeviceId}: primary context retained")]
    public static partial void CudaDeviceOpened(ILogger logger, int cudaDevice, string deviceId);

    [LoggerMessage(EventId = 1412, EventName = "CudaLeaseBound", Level = LogLevel.Debug, Message = "Lease {LeaseId} bound to {DeviceId}: own stream, {ReservedBytes} bytes reserved")]
    public static partial void CudaLeaseBound(ILogger logger, string leaseId, string deviceId, long reservedBytes);

    [LoggerMessage(EventId = 1413, EventName = "CudaReservationFailed", Level = LogLevel.Warning, Message = "Lease {LeaseId}: its {Bytes} bytes could not be allocated on {DeviceId}; the lease is revoked")]
    public static partial void CudaReservationFailed(ILogger logger, string leaseId, long bytes, string deviceId, Exception exception);

    [LoggerMessage(EventId = 1414, EventName = "CudaLeaseReleased", Level = LogLevel.Debug, Message = "Lease {LeaseId}: CUDA stream and reservation released")]
    public static partial void CudaLeaseReleased(ILogger logger, string leaseId);

    [LoggerMessage(EventId = 1415, EventName = "CudaReleaseFailed", Level = LogLevel.Warning, Message = "Lease {LeaseId}: releasing its CUDA resources failed")]
    public static partial void CudaReleaseFailed(ILogger logger, string leaseId, Exception exception);

    [LoggerMessage(EventId = 1416, EventName = "CudaDeviceNotFound", Level = LogLevel.Warning, Message = "No CUDA device matches {DeviceId} ({Uuid}); leases on it run without CUDA streams")]
    public static partial void CudaDeviceNotFound(ILogger logger, string deviceId, string uuid);
}
