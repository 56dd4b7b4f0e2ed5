namespace GpuPool.Runtime.Devices;

/// <summary>One sample of a device's state, from its provider's <see cref="IDeviceTelemetryProvider"/>.</summary>
public sealed record DeviceTelemetry
{
    /// <summary>A healthy sample with nothing measured.</summary>
    public static DeviceTelemetry Healthy { get; } = new();

    /// <summary>Whether the device can run work.</summary>
    public DeviceHealth Health { get; init; } = DeviceHealth.Healthy;

    /// <summary>Why the device is unhealthy (or a warning on a healthy one), for logs.</summary>
    public string? Reason { get; init; }

    /// <summary>Device memory in use by every process, in bytes, where the device reports it.</summary>
    public long? UsedMemoryBytes { get; init; }

    /// <summary>How busy the device's compute was over the vendor's last sample period, 0-100, where reported.</summary>
    public int? BusyPercent { get; init; }

    /// <summary>An unhealthy sample with its reason.</summary>
    public static DeviceTelemetry Unhealthy(string reason) => new() { Health = DeviceHealth.Unhealthy, Reason = reason };
}
