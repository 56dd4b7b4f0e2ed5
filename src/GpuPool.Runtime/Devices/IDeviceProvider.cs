namespace GpuPool.Runtime.Devices;

/// <summary>
/// Finds devices of one kind on this machine (or in configuration): the pool's device extension point.
/// Register one with <c>builder.AddDeviceProvider&lt;T&gt;()</c> or <c>services.AddGpuPoolDeviceProvider&lt;T&gt;()</c>.
/// A provider may also implement <see cref="IDeviceTelemetryProvider"/> (live memory, busy percent and
/// health) and <see cref="IDeviceLeaseSettingsProvider"/> (what a worker process and a framework need to
/// use one of its devices); both are optional.
/// </summary>
/// <remarks>
/// <see cref="Discover"/> runs once, when the engine is first used. Device ids must be unique on the node;
/// a device whose id another provider already offered is skipped. A provider that throws offers no
/// devices (the pool logs why and goes on).
/// </remarks>
public interface IDeviceProvider
{
    /// <summary>A short name for logs (<c>cpu</c>, <c>nvidia</c>, <c>amd</c>, <c>ascend</c>, <c>simulated</c>).</summary>
    string Name { get; }

    /// <summary>
    /// How far the provider has been checked against the real thing; shown with its devices in the
    /// inventory. <see cref="DeviceValidation.Unknown"/> unless the provider says otherwise.
    /// </summary>
    DeviceValidation Validation => DeviceValidation.Unknown;

    /// <summary>Returns the devices found; an absent driver or library yields none, never an exception.</summary>
    IReadOnlyList<DeviceDescriptor> Discover(string node);
}
