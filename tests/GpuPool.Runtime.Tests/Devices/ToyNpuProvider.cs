using GpuPool.Runtime.Devices;

namespace GpuPool.Runtime.Tests.Devices;

/// <summary>
/// The third-party provider of <c>docs/vendors.md</c>, compiled here so the guide stays true: two
/// "Toy NPU" devices with telemetry, health and lease settings of their own.
/// </summary>
public sealed class ToyNpuProvider : IDeviceProvider, IDeviceTelemetryProvider, IDeviceLeaseSettingsProvider
{
    public string Name => "toy";

    public DeviceValidation Validation => DeviceValidation.FakesOnly;

    /// <summary>Set to make every sample report a failure (the vendor library "crashed").</summary>
    public bool Broken { get; set; }

    public IReadOnlyList<DeviceDescriptor> Discover(string node) =>
    [
        Npu(node, 0),
        Npu(node, 1),
    ];

    public DeviceTelemetry Sample(DeviceDescriptor device) => Broken
        ? DeviceTelemetry.Unhealthy("toy_npu_query failed")
        : new DeviceTelemetry { UsedMemoryBytes = 0, BusyPercent = 0 };

    public IReadOnlyDictionary<string, string> GetWorkerEnvironment(DeviceDescriptor device) =>
        new Dictionary<string, string> { ["TOY_VISIBLE_DEVICES"] = device.Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public IReadOnlyList<ExecutionProviderSettings> GetExecutionProviders(DeviceDescriptor device, long memoryLimitBytes) => [];

    private static DeviceDescriptor Npu(string node, int ordinal) => new()
    {
        Id = "toy" + ordinal,
        Node = node,
        Kind = DeviceKind.Accelerator,
        Vendor = DeviceVendor.Other,
        Model = "Toy NPU",
        TotalMemoryBytes = 8L << 30,
        Ordinal = ordinal,
        Uuid = "TOY-" + ordinal,
        ComputeUnits = 4,
    };
}
