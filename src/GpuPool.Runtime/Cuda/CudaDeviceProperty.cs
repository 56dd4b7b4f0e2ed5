namespace GpuPool.Runtime.Cuda;

/// <summary>The <c>CUdevice_attribute</c> values the pool reads.</summary>
internal enum CudaDeviceProperty
{
    /// <summary>Streaming multiprocessors.</summary>
    MultiprocessorCount = 16,

    /// <summary>Compute capability, major.</summary>
    ComputeCapabilityMajor = 75,

    /// <summary>Compute capability, minor.</summary>
    ComputeCapabilityMinor = 76,
}
