namespace GpuPool.Cublas;

/// <summary>The <c>cublasComputeType_t</c> values the workload uses.</summary>
public enum CublasComputeType
{
    /// <summary>CUBLAS_COMPUTE_32F.</summary>
    Compute32F = 68,

    /// <summary>CUBLAS_COMPUTE_32F_FAST_TF32 (tensor cores, TF32 inputs).</summary>
    Compute32FFastTf32 = 77,
}
