using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Amd;

/// <summary>
/// AMD GPUs and Hygon DCUs found through ROCm SMI. Where the library is absent or fails, yields no devices
/// and logs why; never throws. Validated only against fakes written to <c>rocm_smi.h</c>.
/// </summary>
internal sealed class AmdDeviceProvider : IDeviceProvider, IDeviceTelemetryProvider, IDeviceLeaseSettingsProvider
{
    /// <summary>PCI vendor id of Hygon, whose DCUs ROCm SMI lists beside AMD GPUs.</summary>
    public const int HygonVendorId = 0x1d94;

    private readonly IRocmSmi _smi;
    private readonly AmdDeviceOptions _options;
    private readonly ILogger _logger;
    private Dictionary<string, AmdGpu> _gpus = new(StringComparer.Ordinal);

    /// <summary>Creates the provider over a ROCm SMI binding.</summary>
    public AmdDeviceProvider(IRocmSmi smi, IOptions<GpuPoolRuntimeOptions> options, ILogger<AmdDeviceProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(smi);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _smi = smi;
        _options = options.Value.Amd;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "amd";

    /// <inheritdoc />
    public DeviceValidation Validation => DeviceValidation.FakesOnly;

    /// <inheritdoc />
    public IReadOnlyList<DeviceDescriptor> Discover(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!_options.Enabled)
        {
            return [];
        }

        if (!_smi.TryInitialize(out var error))
        {
            RuntimeLog.RocmSmiUnavailable(_logger, _options.RocmSmiLibrary, error ?? "unknown");
            return [];
        }

        try
        {
            return Read(node);
        }
        catch (RocmSmiException ex)
        {
            RuntimeLog.RocmSmiEnumerationFailed(_logger, ex);
            return [];
        }
    }

    /// <inheritdoc />
    public DeviceTelemetry Sample(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!_gpus.TryGetValue(device.Id, out var gpu))
        {
            return DeviceTelemetry.Unhealthy($"{device.Id} is not an AMD device this provider found");
        }

        try
        {
            return new DeviceTelemetry
            {
                UsedMemoryBytes = _smi.GetVramUsed(gpu.Index),
                BusyPercent = _smi.GetBusyPercent(gpu.Index),
            };
        }
        catch (RocmSmiException ex)
        {
            return DeviceTelemetry.Unhealthy(ex.Message);
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> GetWorkerEnvironment(DeviceDescriptor device) => VendorLeaseSettings.WorkerEnvironment(device);

    /// <inheritdoc />
    public IReadOnlyList<ExecutionProviderSettings> GetExecutionProviders(DeviceDescriptor device, long memoryLimitBytes) =>
        VendorLeaseSettings.ExecutionProviders(device, memoryLimitBytes);

    private List<DeviceDescriptor> Read(string node)
    {
        var devices = new List<DeviceDescriptor>();
        var gpus = new Dictionary<string, AmdGpu>(StringComparer.Ordinal);
        var count = _smi.GetDeviceCount();
        for (var index = 0; index < count; index++)
        {
            var hygon = _smi.GetVendorId(index) == HygonVendorId;
            var id = (hygon ? "hygon" : "amd") + index.ToString(CultureInfo.InvariantCulture);
            var uniqueId = _smi.GetUniqueId(index);

            // rocminfo and ROCR_VISIBLE_DEVICES spell a device's UUID as GPU- and its unique id in hex.
            var uuid = uniqueId is { } u ? "GPU-" + u.ToString("x16", CultureInfo.InvariantCulture) : null;
            var device = new DeviceDescriptor
            {
                Id = id,
                Node = node,
                Kind = DeviceKind.Gpu,
                Vendor = hygon ? DeviceVendor.Hygon : DeviceVendor.Amd,
                Model = _smi.GetName(index),
                TotalMemoryBytes = _smi.GetVramTotal(index),
                Ordinal = index,
                Uuid = uuid,
            };
            RuntimeLog.AmdDeviceFound(_logger, id, device.Model, uuid ?? "no unique id", device.TotalMemoryBytes);
            gpus[id] = new AmdGpu(id, index);
            devices.Add(device);
        }

        _gpus = gpus;
        return devices;
    }
}
