namespace GpuPool.Cublas;

/// <summary>The element type and arithmetic of a GEMM workload.</summary>
public enum GemmDataType
{
    /// <summary>FP32 inputs and arithmetic (<c>cublasSgemm_v2</c>, no tensor cores).</summary>
    Fp32 = 0,

    /// <summary>FP32 inputs, TF32 tensor-core arithmetic (<c>cublasGemmEx</c>, <c>CUBLAS_COMPUTE_32F_FAST_TF32</c>).</summary>
    Tf32 = 1,

    /// <summary>FP16 inputs, FP32 accumulation and output (<c>cublasGemmEx</c>).</summary>
    Fp16 = 2,

    /// <summary>BF16 inputs, FP32 accumulation and output (<c>cublasGemmEx</c>).</summary>
    Bf16 = 3,
}
