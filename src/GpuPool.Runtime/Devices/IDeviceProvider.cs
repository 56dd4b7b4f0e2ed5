namespace GpuPool.Runtime.Devices;

/// <summary>Finds devices of one kind on this machine (or in configuration).</summary>
public interface IDeviceProvider
{
    /// <summary>A short name for logs (<c>cpu</c>, <c>nvidia</c>, <c>simulated</c>).</summary>
    string Name { get; }

    /// <summary>Returns the devices found; an absent driver yields none, never an exception.</summary>
    IReadOnlyList<DeviceDescriptor> Discover(string node);
}
