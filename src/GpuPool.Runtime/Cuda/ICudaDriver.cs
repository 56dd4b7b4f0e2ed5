namespace GpuPool.Runtime.Cuda;

/// <summary>
/// The CUDA driver calls the pool uses (the seam between the pool and <c>libcuda.so.1</c>; tests use a
/// fake). Calls that work on "the current context" need <see cref="SetCurrentContext"/> on the calling
/// thread first. Every call except <see cref="TryInitialize"/> throws <see cref="CudaException"/> on failure.
/// </summary>
internal interface ICudaDriver
{
    /// <summary>Loads the library and calls <c>cuInit</c> once; <see langword="false"/> with the reason when it is absent or fails.</summary>
    bool TryInitialize(out string? error);

    /// <summary>Number of CUDA devices visible to this process.</summary>
    int GetDeviceCount();

    /// <summary>The <c>CUdevice</c> of an ordinal.</summary>
    int GetDevice(int ordinal);

    /// <summary>The device's UUID, 16 bytes (<c>cuDeviceGetUuid_v2</c>: a MIG instance's own UUID under MIG).</summary>
    byte[] GetUuid(int device);

    /// <summary>A device attribute (<c>cuDeviceGetAttribute</c>).</summary>
    int GetAttribute(CudaDeviceProperty attribute, int device);

    /// <summary>Retains the device's primary context (<c>cuDevicePrimaryCtxRetain</c>).</summary>
    nint RetainPrimaryContext(int device);

    /// <summary>Releases one retain of the primary context.</summary>
    void ReleasePrimaryContext(int device);

    /// <summary>Makes <paramref name="context"/> current on the calling thread.</summary>
    void SetCurrentContext(nint context);

    /// <summary>Creates a non-blocking stream in the current context.</summary>
    nint CreateStream();

    /// <summary>Destroys a stream (work already queued still completes).</summary>
    void DestroyStream(nint stream);

    /// <summary>Waits for the work queued on a stream.</summary>
    void SynchronizeStream(nint stream);

    /// <summary>Waits for all work of the current context.</summary>
    void SynchronizeContext();

    /// <summary>Free and total memory of the current context's device (<c>cuMemGetInfo_v2</c>).</summary>
    CudaMemoryInfo GetMemoryInfo();

    /// <summary>Allocates device memory in the current context (<c>cuMemAlloc_v2</c>).</summary>
    /// <exception cref="CudaException">Code <see cref="CudaException.OutOfMemory"/> when the device has not enough free.</exception>
    ulong Allocate(long bytes);

    /// <summary>Frees device memory.</summary>
    void Free(ulong address);

    /// <summary>Sets <paramref name="count"/> 32-bit words to <paramref name="value"/> (<c>cuMemsetD32_v2</c>).</summary>
    void Fill32(ulong address, uint value, long count);

    /// <summary>Sets <paramref name="count"/> 16-bit words to <paramref name="value"/> (<c>cuMemsetD16_v2</c>).</summary>
    void Fill16(ulong address, ushort value, long count);

    /// <summary>Copies device memory to the host (<c>cuMemcpyDtoH_v2</c>, synchronous).</summary>
    void CopyToHost(ulong source, Span<byte> destination);
}
