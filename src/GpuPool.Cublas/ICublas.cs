namespace GpuPool.Cublas;

/// <summary>
/// The cuBLAS calls the workload uses (the seam between the pool and <c>libcublas</c>; tests use a fake).
/// Device pointers are <c>CUdeviceptr</c> values; matrices are column-major with no transposition.
/// Calls need the device's context current on the calling thread and throw <see cref="CublasException"/> on failure.
/// </summary>
public interface ICublas
{
    /// <summary>Loads the library once; <see langword="false"/> with the reason when it cannot be loaded.</summary>
    bool TryInitialize(out string? error);

    /// <summary>Creates a handle in the current context (<c>cublasCreate_v2</c>).</summary>
    nint CreateHandle();

    /// <summary>Destroys a handle (<c>cublasDestroy_v2</c>).</summary>
    void DestroyHandle(nint handle);

    /// <summary>Makes the handle queue its work on <paramref name="stream"/> (<c>cublasSetStream_v2</c>).</summary>
    void SetStream(nint handle, nint stream);

    /// <summary>C = alpha·A·B + beta·C in FP32 (<c>cublasSgemm_v2</c>).</summary>
    void Sgemm(nint handle, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb, float beta, ulong c, int ldc);

    /// <summary>C = alpha·A·B + beta·C with the given types (<c>cublasGemmEx</c>, default algorithm, FP32 scalars).</summary>
    void GemmTyped(nint handle, int m, int n, int k, float alpha, ulong a, CudaDataType aType, int lda, ulong b, CudaDataType bType, int ldb, float beta, ulong c, CudaDataType cType, int ldc, CublasComputeType computeType);
}
