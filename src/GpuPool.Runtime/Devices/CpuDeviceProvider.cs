using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices;

/// <summary>
/// The host CPU as a device: always present (unless disabled). Its memory is a configured fraction of
/// host RAM; its compute is all cores, which the scheduler divides by share.
/// </summary>
internal sealed class CpuDeviceProvider : IDeviceProvider
{
    private readonly GpuPoolRuntimeOptions _options;

    /// <summary>Creates the provider.</summary>
    public CpuDeviceProvider(IOptions<GpuPoolRuntimeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public DeviceValidation Validation => DeviceValidation.Hardware;

    /// <inheritdoc />
    public IReadOnlyList<DeviceDescriptor> Discover(string node)
    {
        if (!_options.Cpu.Enabled)
        {
            return [];
        }

        var hostMemory = _options.Cpu.HostMemoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var memory = (long)(hostMemory * _options.Cpu.MemoryFraction);
        return
        [
            new DeviceDescriptor
            {
                Id = "cpu0",
                Node = node,
                Kind = DeviceKind.Cpu,
                Vendor = DeviceVendor.Unknown,
                Model = "CPU",
                TotalMemoryBytes = memory,
                Ordinal = 0,
                ComputeUnits = Environment.ProcessorCount,
            },
        ];
    }
}
