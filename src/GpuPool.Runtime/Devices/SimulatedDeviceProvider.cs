using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices;

/// <summary>
/// Devices that exist only in configuration (for example four 80 GiB "A100"s), for capacity planning
/// and tests. Models loaded on them run on the CPU; placement and accounting are real.
/// </summary>
internal sealed class SimulatedDeviceProvider : IDeviceProvider
{
    private readonly GpuPoolRuntimeOptions _options;

    /// <summary>Creates the provider.</summary>
    public SimulatedDeviceProvider(IOptions<GpuPoolRuntimeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <inheritdoc />
    public string Name => "simulated";

    /// <inheritdoc />
    public DeviceValidation Validation => DeviceValidation.Simulated;

    /// <inheritdoc />
    public IReadOnlyList<DeviceDescriptor> Discover(string node)
    {
        var devices = new List<DeviceDescriptor>();
        foreach (var group in _options.SimulatedDevices)
        {
            for (var i = 0; i < group.Count; i++)
            {
                devices.Add(new DeviceDescriptor
                {
                    Id = $"sim{devices.Count}",
                    Node = node,
                    Kind = group.Kind,
                    Vendor = group.Vendor,
                    Model = group.Model,
                    TotalMemoryBytes = ByteSize.GiB(group.MemoryGiB),
                    Ordinal = devices.Count,
                    ComputeUnits = Environment.ProcessorCount,
                    IsSimulated = true,
                });
            }
        }

        return devices;
    }
}
