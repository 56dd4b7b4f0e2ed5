using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>
/// NVIDIA GPUs (and MIG instances) found through NVML. Where NVML is absent or fails, yields no
/// devices and logs why; never throws. Validated on H100 and H200 cards (<c>tests/gpu/run.sh</c>).
/// </summary>
internal sealed class NvidiaDeviceProvider : IDeviceProvider, IDeviceTelemetryProvider, IDeviceLeaseSettingsProvider
{
    private readonly INvml _nvml;
    private readonly NvidiaDeviceOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the provider over an NVML binding.</summary>
    public NvidiaDeviceProvider(INvml nvml, IOptions<GpuPoolRuntimeOptions> options, ILogger<NvidiaDeviceProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(nvml);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _nvml = nvml;
        _options = options.Value.Nvidia;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "nvidia";

    /// <inheritdoc />
    public DeviceValidation Validation => DeviceValidation.Hardware;

    /// <summary>The GPUs found by the last <see cref="Discover"/>, with their NVML handles.</summary>
    public IReadOnlyList<NvidiaGpu> Gpus { get; private set; } = [];

    /// <inheritdoc />
    public IReadOnlyList<DeviceDescriptor> Discover(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!_options.Enabled)
        {
            return [];
        }

        if (!_nvml.TryInitialize(out var error))
        {
            RuntimeLog.NvmlUnavailable(_logger, _options.NvmlLibrary, error ?? "unknown");
            return [];
        }

        try
        {
            Gpus = NvmlDeviceReader.Read(_nvml);
        }
        catch (NvmlException ex)
        {
            RuntimeLog.NvmlEnumerationFailed(_logger, ex);
            return [];
        }

        var devices = new List<DeviceDescriptor>(Gpus.Count);
        foreach (var gpu in Gpus)
        {
            RuntimeLog.NvidiaDeviceFound(_logger, gpu.Id, gpu.Name, gpu.Uuid, gpu.TotalMemoryBytes, gpu.ComputeCapability ?? "?");
            devices.Add(new DeviceDescriptor
            {
                Id = gpu.Id,
                Node = node,
                Kind = gpu.IsMig ? DeviceKind.GpuPartition : DeviceKind.Gpu,
                Vendor = DeviceVendor.Nvidia,
                Model = gpu.Name,

                // Memory the driver keeps for itself is never offered.
                TotalMemoryBytes = gpu.TotalMemoryBytes - gpu.ReservedMemoryBytes,
                Ordinal = devices.Count,
                Uuid = gpu.Uuid,
                ComputeCapability = gpu.ComputeCapability,
                ComputeUnits = gpu.Multiprocessors,
            });
        }

        return devices;
    }

    /// <inheritdoc />
    public DeviceTelemetry Sample(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var gpu = Gpus.FirstOrDefault(g => string.Equals(g.Id, device.Id, StringComparison.Ordinal));
        if (gpu is null)
        {
            return DeviceTelemetry.Unhealthy($"{device.Id} is not an NVIDIA device this provider found");
        }

        try
        {
            return new DeviceTelemetry
            {
                UsedMemoryBytes = _nvml.GetMemory(gpu.Handle).Used,
                BusyPercent = _nvml.GetUtilization(gpu.Handle)?.Gpu,
            };
        }
        catch (NvmlException ex)
        {
            return DeviceTelemetry.Unhealthy(ex.Message);
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> GetWorkerEnvironment(DeviceDescriptor device) => VendorLeaseSettings.WorkerEnvironment(device);

    /// <inheritdoc />
    public IReadOnlyList<ExecutionProviderSettings> GetExecutionProviders(DeviceDescriptor device, long memoryLimitBytes) =>
        VendorLeaseSettings.ExecutionProviders(device, memoryLimitBytes);
}
