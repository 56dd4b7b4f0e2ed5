using System.ComponentModel.DataAnnotations;

namespace GpuPool.Runtime;

/// <summary>
/// Settings of the engine (embedded pool and server), bound from the configuration section
/// <c>GpuPool:Runtime</c> and validated at start-up.
/// </summary>
public sealed class GpuPoolRuntimeOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "GpuPool:Runtime";

    /// <summary>This node's name; defaults to the machine name.</summary>
    public string? NodeName { get; set; }

    /// <summary>The CPU device.</summary>
    public CpuDeviceOptions Cpu { get; set; } = new();

    /// <summary>NVIDIA GPUs found through NVML.</summary>
    public NvidiaDeviceOptions Nvidia { get; set; } = new();

    /// <summary>AMD GPUs and Hygon DCUs found through ROCm SMI.</summary>
    public AmdDeviceOptions Amd { get; set; } = new();

    /// <summary>Huawei Ascend NPUs found through DCMI.</summary>
    public AscendDeviceOptions Ascend { get; set; } = new();

    /// <summary>
    /// How often devices whose provider reports telemetry (<c>IDeviceTelemetryProvider</c>) are sampled for
    /// health; an unhealthy device takes no new leases and its leases are revoked.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan DeviceHealthInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Devices that exist only in configuration.</summary>
    public IList<SimulatedDeviceOptions> SimulatedDevices { get; } = [];

    /// <summary>The placement policy by name (see <c>PlacementPolicies</c>).</summary>
    [Required]
    public string PlacementPolicy { get; set; } = "Default";

    /// <summary>Time-to-live of a lease whose request does not say.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DefaultTimeToLive { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest time-to-live a request may ask for.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan MaxTimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The most requests that may wait for capacity at once; more are rejected with a retry-after.</summary>
    [Range(1, 1_000_000)]
    public int MaxWaiters { get; set; } = 10_000;

    /// <summary>The durable lease journal (off by default: the embedded pool needs no disk).</summary>
    public Persistence.PersistenceOptions Persistence { get; set; } = new();

    /// <summary>Returns <see cref="NodeName"/> or the machine name.</summary>
    public string ResolveNodeName() => string.IsNullOrWhiteSpace(NodeName) ? Environment.MachineName : NodeName;
}
