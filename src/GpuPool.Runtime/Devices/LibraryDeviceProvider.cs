namespace GpuPool.Runtime.Devices;

/// <summary>
/// What the providers over a vendor's management library (ROCm SMI, DCMI) share: load the library on the
/// first <see cref="Discover"/>, offer nothing when it is absent, disabled or fails (logging why, never
/// throwing), remember how each device is addressed in the library, and turn a library error in a sample
/// into <see cref="DeviceHealth.Unhealthy"/>. Lease settings are the vendor's (<see cref="VendorLeaseSettings"/>).
/// </summary>
/// <typeparam name="TDevice">How the library addresses one device.</typeparam>
/// <typeparam name="TLibraryException">What the binding throws when a call fails.</typeparam>
internal abstract class LibraryDeviceProvider<TDevice, TLibraryException> : IDeviceProvider, IDeviceTelemetryProvider, IDeviceLeaseSettingsProvider
    where TDevice : class
    where TLibraryException : Exception
{
    private Dictionary<string, TDevice> _devices = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public DeviceValidation Validation => DeviceValidation.FakesOnly;

    /// <summary>Whether the provider is switched on in the options.</summary>
    protected abstract bool Enabled { get; }

    /// <inheritdoc />
    public IReadOnlyList<DeviceDescriptor> Discover(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!Enabled)
        {
            return [];
        }

        if (!TryInitialize(out var error))
        {
            LogUnavailable(error ?? "unknown");
            return [];
        }

        try
        {
            var found = Read(node);
            _devices = found.ToDictionary(f => f.Descriptor.Id, f => f.Device, StringComparer.Ordinal);
            return [.. found.Select(f => f.Descriptor)];
        }
        catch (TLibraryException ex)
        {
            LogEnumerationFailed(ex);
            return [];
        }
    }

    /// <inheritdoc />
    public DeviceTelemetry Sample(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!_devices.TryGetValue(device.Id, out var address))
        {
            return DeviceTelemetry.Unhealthy($"{device.Id} is not a device the {Name} provider found");
        }

        try
        {
            return Sample(address);
        }
        catch (TLibraryException ex)
        {
            return DeviceTelemetry.Unhealthy(ex.Message);
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> GetWorkerEnvironment(DeviceDescriptor device) => VendorLeaseSettings.WorkerEnvironment(device);

    /// <inheritdoc />
    public IReadOnlyList<ExecutionProviderSettings> GetExecutionProviders(DeviceDescriptor device, long memoryLimitBytes) =>
        VendorLeaseSettings.ExecutionProviders(device, memoryLimitBytes);

    /// <summary>Loads the library and initialises it once; <see langword="false"/> with the reason when that fails.</summary>
    protected abstract bool TryInitialize(out string? error);

    /// <summary>Lists the devices with their library addresses; throws <typeparamref name="TLibraryException"/> when the library fails.</summary>
    protected abstract List<(DeviceDescriptor Descriptor, TDevice Device)> Read(string node);

    /// <summary>Samples one device; throws <typeparamref name="TLibraryException"/> when the library fails.</summary>
    protected abstract DeviceTelemetry Sample(TDevice device);

    /// <summary>Logs (at debug level) that the library is absent or failed to initialise.</summary>
    protected abstract void LogUnavailable(string reason);

    /// <summary>Logs that listing the devices failed.</summary>
    protected abstract void LogEnumerationFailed(TLibraryException exception);
}
