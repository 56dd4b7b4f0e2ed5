namespace GpuPool.Runtime;

/// <summary>Settings of NVIDIA devices.</summary>
public sealed class NvidiaDeviceOptions
{
    /// <summary>Whether to look for NVIDIA GPUs through NVML.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Path or name of the NVML library.</summary>
    public string NvmlLibrary { get; set; } = "libnvidia-ml.so.1";
}
