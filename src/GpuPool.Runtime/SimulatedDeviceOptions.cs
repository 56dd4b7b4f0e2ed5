using System.ComponentModel.DataAnnotations;

namespace GpuPool.Runtime;

/// <summary>A group of identical simulated devices.</summary>
public sealed class SimulatedDeviceOptions
{
    /// <summary>The device model name (for example <c>A100</c>).</summary>
    [Required]
    public string Model { get; set; } = "SimulatedGPU";

    /// <summary>How many devices.</summary>
    [Range(1, 4096)]
    public int Count { get; set; } = 1;

    /// <summary>Memory of each device in GiB.</summary>
    [Range(0.001, 1_048_576)]
    public double MemoryGiB { get; set; } = 16;

    /// <summary>The vendor the devices claim.</summary>
    public DeviceVendor Vendor { get; set; } = DeviceVendor.Nvidia;

    /// <summary>The kind the devices claim.</summary>
    public DeviceKind Kind { get; set; } = DeviceKind.Gpu;
}
