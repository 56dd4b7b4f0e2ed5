using System.ComponentModel.DataAnnotations;

namespace GpuPool.Runtime;

/// <summary>Settings of NVIDIA devices.</summary>
public sealed class NvidiaDeviceOptions
{
    /// <summary>Whether to look for NVIDIA GPUs through NVML.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Path or name of the NVML library.</summary>
    public string NvmlLibrary { get; set; } = "libnvidia-ml.so.1";

    /// <summary>Path or name of the CUDA driver library, loaded the first time a lease on an NVIDIA device runs.</summary>
    public string CudaLibrary { get; set; } = "libcuda.so.1";

    /// <summary>
    /// Whether a lease's memory is allocated on the card when the lease is bound (within one telemetry
    /// interval of the grant, or at its first run), so that a granted slice's memory really exists.
    /// A lease whose memory cannot be allocated is revoked. Off by default: workloads that allocate their
    /// own memory (ONNX Runtime, the cuBLAS workload) would otherwise hold it twice.
    /// </summary>
    public bool ReserveMemoryOnGrant { get; set; }

    /// <summary>How often NVML telemetry is sampled and memory used outside the pool is fed to admission.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromSeconds(2);
}
