using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices.Amd;

/// <summary>
/// AMD GPUs and Hygon DCUs found through ROCm SMI. Where the library is absent or fails, yields no devices
/// and logs why; never throws. Validated only against fakes written to <c>rocm_smi.h</c>.
/// </summary>
internal sealed class AmdDeviceProvider : LibraryDeviceProvider<AmdGpu, RocmSmiException>
{
    /// <summary>PCI vendor id of Hygon, whose DCUs ROCm SMI lists beside AMD GPUs.</summary>
    public const int HygonVendorId = 0x1d94;

    private readonly IRocmSmi _smi;
    private readonly AmdDeviceOptions _options;
    private readonly ILogger _logger;

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
    public override string Name => "amd";

    /// <inheritdoc />
    protected override bool Enabled => _options.Enabled;

    /// <inheritdoc />
    protected override bool TryInitialize(out string? error) => _smi.TryInitialize(out error);

    /// <inheritdoc />
    protected override DeviceTelemetry Sample(AmdGpu device) => new()
    {
        UsedMemoryBytes = _smi.GetVramUsed(device.Index),
        BusyPercent = _smi.GetBusyPercent(device.Index),
    };

    /// <inheritdoc />
    protected override void LogUnavailable(string reason) => RuntimeLog.RocmSmiUnavailable(_logger, _options.RocmSmiLibrary, reason);

    /// <inheritdoc />
    protected override void LogEnumerationFailed(RocmSmiException exception) => RuntimeLog.RocmSmiEnumerationFailed(_logger, exception);

    /// <inheritdoc />
    protected override List<(DeviceDescriptor Descriptor, AmdGpu Device)> Read(string node)
    {
        var devices = new List<(DeviceDescriptor, AmdGpu)>();
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
            devices.Add((device, new AmdGpu(id, index)));
        }

        return devices;
    }
}
