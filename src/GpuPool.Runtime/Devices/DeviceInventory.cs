using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices;

/// <summary>
/// The devices of this node, collected once from every registered provider, with the provider that
/// offered each. A provider that throws offers nothing; a device id offered twice is kept once.
/// </summary>
internal sealed class DeviceInventory
{
    private readonly Dictionary<string, IDeviceProvider> _providers = new(StringComparer.Ordinal);

    /// <summary>Discovers the devices.</summary>
    public DeviceInventory(IEnumerable<IDeviceProvider> providers, IOptions<GpuPoolRuntimeOptions> options, ILogger<DeviceInventory> logger)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        Node = options.Value.ResolveNodeName();
        var devices = new List<DeviceDescriptor>();
        foreach (var provider in providers)
        {
            IReadOnlyList<DeviceDescriptor> found;
            try
            {
                found = provider.Discover(Node);
            }
            catch (Exception ex)
            {
                RuntimeLog.DeviceProviderFailed(logger, provider.Name, ex);
                continue;
            }

            var added = 0;
            foreach (var device in found)
            {
                if (!_providers.TryAdd(device.Id, provider))
                {
                    RuntimeLog.DuplicateDeviceSkipped(logger, provider.Name, device.Id);
                    continue;
                }

                devices.Add(device);
                added++;
            }

            RuntimeLog.DevicesDiscovered(logger, provider.Name, added);
            if (added > 0 && provider.Validation is not (DeviceValidation.Hardware or DeviceValidation.Simulated))
            {
                RuntimeLog.DeviceProviderNotValidated(logger, provider.Name, added, provider.Validation);
            }
        }

        Devices = devices;
    }

    /// <summary>This node's name.</summary>
    public string Node { get; }

    /// <summary>Every device found.</summary>
    public IReadOnlyList<DeviceDescriptor> Devices { get; }

    /// <summary>The provider that offered a device of this node, or <see langword="null"/> for an unknown id.</summary>
    public IDeviceProvider? ProviderOf(string deviceId) => _providers.GetValueOrDefault(deviceId);

    /// <summary>How far the provider of a device was validated (<see cref="DeviceValidation.Unknown"/> for an unknown id).</summary>
    public DeviceValidation ValidationOf(string deviceId) => ProviderOf(deviceId)?.Validation ?? DeviceValidation.Unknown;

    /// <summary>The variables a worker needs to see only <paramref name="device"/>: its provider's, else the vendor's.</summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironmentOf(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return ProviderOf(device.Id) is IDeviceLeaseSettingsProvider settings
            ? settings.GetWorkerEnvironment(device)
            : VendorLeaseSettings.WorkerEnvironment(device);
    }
}
