namespace GpuPool.Runtime;

/// <summary>Settings of AMD GPUs and Hygon DCUs, found through ROCm SMI.</summary>
public sealed class AmdDeviceOptions
{
    /// <summary>Whether to look for AMD and Hygon devices through ROCm SMI.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Path or name of the ROCm SMI library. A bare name is also tried under <c>/opt/rocm/lib</c>
    /// (and <c>/opt/dtk/lib</c>, Hygon's toolkit) when the loader does not find it.
    /// </summary>
    public string RocmSmiLibrary { get; set; } = "librocm_smi64.so";
}
