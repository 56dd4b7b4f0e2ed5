namespace GpuPool.Runtime.Devices;

/// <summary>
/// Optional companion of <see cref="IDeviceProvider"/>: live telemetry and health of the devices it found.
/// The pool samples every device every <c>GpuPool:Runtime:DeviceHealthInterval</c>; a device that turns
/// <see cref="DeviceHealth.Unhealthy"/> is closed to new leases and its leases are revoked (their holders
/// see <see cref="LeaseLostReason.Revoked"/>); it opens again when a later sample is healthy.
/// </summary>
public interface IDeviceTelemetryProvider
{
    /// <summary>
    /// Samples one of this provider's devices. Should not throw: a failing library is reported as
    /// <see cref="DeviceTelemetry.Unhealthy(string)"/> (an exception is treated the same way).
    /// </summary>
    DeviceTelemetry Sample(DeviceDescriptor device);
}
