using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>
/// Huawei Ascend NPUs found through DCMI. Where the library is absent or fails, yields no devices and logs
/// why; never throws. Validated only against fakes written to <c>dcmi_interface_api.h</c>.
/// </summary>
internal sealed class AscendDeviceProvider : LibraryDeviceProvider<AscendNpu, DcmiException>
{
    /// <summary>Health codes of <c>dcmi_get_device_health</c> at and above which the chip is unhealthy (major, critical alarm).</summary>
    public const int MajorAlarm = 2;

    private readonly IDcmi _dcmi;
    private readonly AscendDeviceOptions _options;
    private readonly ILogger _logger;

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
    public override string Name => "ascend";

    /// <inheritdoc />
    protected override bool Enabled => _options.Enabled;

    /// <inheritdoc />
    protected override bool TryInitialize(out string? error) => _dcmi.TryInitialize(out error);

    /// <inheritdoc />
    protected override DeviceTelemetry Sample(AscendNpu device)
    {
        var health = _dcmi.GetHealth(device.Card, device.Device);
        if (health >= MajorAlarm)
        {
            return DeviceTelemetry.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"dcmi_get_device_health reports {health} ({(health == MajorAlarm ? "major" : "critical")} alarm)"));
        }

        return new DeviceTelemetry
        {
            UsedMemoryBytes = _dcmi.GetMemory(device.Card, device.Device).Used,
            BusyPercent = _dcmi.GetAiCoreUtilization(device.Card, device.Device),
            Reason = health > 0 ? "dcmi_get_device_health reports a minor alarm" : null,
        };
    }

    /// <inheritdoc />
    protected override void LogUnavailable(string reason) => RuntimeLog.DcmiUnavailable(_logger, _options.DcmiLibrary, reason);

    /// <inheritdoc />
    protected override void LogEnumerationFailed(DcmiException exception) => RuntimeLog.DcmiEnumerationFailed(_logger, exception);

    /// <inheritdoc />
    protected override List<(DeviceDescriptor Descriptor, AscendNpu Device)> Read(string node)
    {
        var devices = new List<(DeviceDescriptor Descriptor, AscendNpu Device)>();
        foreach (var card in _dcmi.GetCards())
        {
            var count = _dcmi.GetDeviceCount(card);
            for (var chip = 0; chip < count; chip++)
            {
                var logicId = _dcmi.GetLogicId(card, chip);
                var info = _dcmi.GetChip(card, chip);
                var memory = _dcmi.GetMemory(card, chip);
                var id = "ascend" + logicId.ToString(CultureInfo.InvariantCulture);
                devices.Add((new DeviceDescriptor
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
                }, new AscendNpu(id, card, chip)));
                RuntimeLog.AscendDeviceFound(_logger, id, info.Model, card, chip, logicId, memory.Total);
            }
        }

        devices.Sort((a, b) => a.Descriptor.Ordinal.CompareTo(b.Descriptor.Ordinal));
        return devices;
    }
}
