using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>
/// Huawei Ascend NPUs found through DCMI. Where the library is absent or fails, yields no devices and logs
/// why; never throws. Validated only against fakes written to <c>dcmi_interface_api.h</c>.
/// </summary>
internal sealed class AscendDeviceProvider : IDeviceProvider, IDeviceTelemetryProvider, IDeviceLeaseSettingsProvider
{
    /// <summary>Health codes of <c>dcmi_get_device_health</c> at and above which the chip is unhealthy (major, critical alarm).</summary>
    public const int MajorAlarm = 2;

    private readonly IDcmi _dcmi;
    private readonly AscendDeviceOptions _options;
    private readonly ILogger _logger;
    private Dictionary<string, AscendNpu> _npus = new(StringComparer.Ordinal);

    /// <summary>Creates the provider over a DCMI binding.</summary>
    public AscendDeviceProvider(IDcmi dcmi, IOptions<GpuPoolRuntimeOptions> options, ILogger<AscendDeviceProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(dcmi);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _dcmi = dcmi;
        _options = options.Value.Ascend;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "ascend";

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

        if (!_dcmi.TryInitialize(out var error))
        {
            RuntimeLog.DcmiUnavailable(_logger, _options.DcmiLibrary, error ?? "unknown");
            return [];
        }

        try
        {
            return Read(node);
        }
        catch (DcmiException ex)
        {
            RuntimeLog.DcmiEnumerationFailed(_logger, ex);
            return [];
        }
    }

    /// <inheritdoc />
    public DeviceTelemetry Sample(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!_npus.TryGetValue(device.Id, out var npu))
        {
            return DeviceTelemetry.Unhealthy($"{device.Id} is not an Ascend device this provider found");
        }

        try
        {
            var health = _dcmi.GetHealth(npu.Card, npu.Device);
            if (health >= MajorAlarm)
            {
                return DeviceTelemetry.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"dcmi_get_device_health reports {health} ({(health == MajorAlarm ? "major" : "critical")} alarm)"));
            }

            var memory = _dcmi.GetMemory(npu.Card, npu.Device);
            return new DeviceTelemetry
            {
                UsedMemoryBytes = memory.Used,
                BusyPercent = _dcmi.GetAiCoreUtilization(npu.Card, npu.Device),
                Reason = health > 0 ? "dcmi_get_device_health reports a minor alarm" : null,
            };
        }
        catch (DcmiException ex)
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
        var npus = new Dictionary<string, AscendNpu>(StringComparer.Ordinal);
        foreach (var card in _dcmi.GetCards())
        {
            var count = _dcmi.GetDeviceCount(card);
            for (var chip = 0; chip < count; chip++)
            {
                var logicId = _dcmi.GetLogicId(card, chip);
                var info = _dcmi.GetChip(card, chip);
                var memory = _dcmi.GetMemory(card, chip);
                var id = "ascend" + logicId.ToString(CultureInfo.InvariantCulture);
                devices.Add(new DeviceDescriptor
                {
                    Id = id,
                    Node = node,
                    Kind = DeviceKind.Accelerator,
                    Vendor = DeviceVendor.Huawei,
                    Model = info.Model,
                    TotalMemoryBytes = memory.Total,
                    Ordinal = logicId,
                    Uuid = _dcmi.GetDieId(card, chip),
                    ComputeUnits = info.AiCores,
                });
                RuntimeLog.AscendDeviceFound(_logger, id, info.Model, card, chip, logicId, memory.Total);
                npus[id] = new AscendNpu(id, card, chip);
            }
        }

        _npus = npus;
        devices.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
        return devices;
    }
}
