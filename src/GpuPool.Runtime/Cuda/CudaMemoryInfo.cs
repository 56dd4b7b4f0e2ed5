namespace GpuPool.Runtime.Cuda;

/// <summary>Free and total device memory as the CUDA driver reports it, in bytes.</summary>
/// <param name="Free">Free for allocation now.</param>
/// <param name="Total">Total on the device (or MIG instance).</param>
internal readonly record struct CudaMemoryInfo(long Free, long Total);
