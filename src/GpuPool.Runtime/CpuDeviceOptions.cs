using System.ComponentModel.DataAnnotations;

namespace GpuPool.Runtime;

/// <summary>Settings of the CPU device.</summary>
public sealed class CpuDeviceOptions
{
    /// <summary>Whether the CPU is offered as a device.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The fraction of host memory the pool may hand out on the CPU device.</summary>
    [Range(0.01, 1.0)]
    public double MemoryFraction { get; set; } = 0.5;

    /// <summary>Host memory to assume instead of what the runtime reports (containers, tests).</summary>
    [Range(1L, long.MaxValue)]
    public long? HostMemoryBytes { get; set; }
}
