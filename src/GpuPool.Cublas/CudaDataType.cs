namespace GpuPool.Cublas;

/// <summary>The <c>cudaDataType</c> values the workload uses.</summary>
public enum CudaDataType
{
    /// <summary>CUDA_R_32F.</summary>
    R32F = 0,

    /// <summary>CUDA_R_16F.</summary>
    R16F = 2,

    /// <summary>CUDA_R_16BF.</summary>
    R16BF = 14,
}
