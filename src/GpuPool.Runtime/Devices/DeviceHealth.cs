namespace GpuPool.Runtime.Devices;

/// <summary>Whether a device can run work.</summary>
public enum DeviceHealth
{
    /// <summary>The device answers and reports no fault.</summary>
    Healthy = 0,

    /// <summary>
    /// The device or its management library failed: the pool stops placing leases on it and revokes the
    /// leases it holds until it is healthy again.
    /// </summary>
    Unhealthy = 1,
}
