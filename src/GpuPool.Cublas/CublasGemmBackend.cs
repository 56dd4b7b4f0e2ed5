using GpuPool.Cublas.Internal;
using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Models;

namespace GpuPool.Cublas;

/// <summary>
/// Runs <see cref="ModelFormat.CublasGemm"/> workloads (see <see cref="GemmSpec"/>) with cuBLAS on NVIDIA
/// devices. The model's memory (A, B, C and cuBLAS's workspace) is charged to the lease before anything
/// is allocated; runs queue on the lease's CUDA stream and wait for it, so the scheduler measures GPU time.
/// </summary>
internal sealed class CublasGemmBackend : IModelBackend
{
    private readonly ICublas _cublas;
    private readonly CudaDevices _cuda;

    /// <summary>Creates the backend.</summary>
    public CublasGemmBackend(ICublas cublas, CudaDevices cuda)
    {
        ArgumentNullException.ThrowIfNull(cublas);
        ArgumentNullException.ThrowIfNull(cuda);
        _cublas = cublas;
        _cuda = cuda;
    }

    /// <inheritdoc />
    public ModelFormat Format => ModelFormat.CublasGemm;

    /// <inheritdoc />
    public bool Supports(DeviceDescriptor device) => device is not null && CudaDevices.IsCudaDevice(device);

    /// <inheritdoc />
    public long EstimateMemory(in ModelLoadContext context) => GemmSpec.Parse(context.Bytes.Span).DeviceMemoryBytes;

    /// <inheritdoc />
    public IModelInstance Load(in ModelLoadContext context)
    {
        var spec = GemmSpec.Parse(context.Bytes.Span);
        if (spec.DeviceMemoryBytes > context.MemoryLimitBytes)
        {
            throw new QuotaExceededException($"The GEMM workload needs {ByteSize.Format(spec.DeviceMemoryBytes)}; the lease has {ByteSize.Format(context.MemoryLimitBytes)}.");
        }

        var device = _cuda.Open(context.Device)
            ?? throw new PoolUnavailableException($"Device {context.Device.Id} has no usable CUDA driver on this node; cuBLAS workloads cannot run there.");
        if (!_cublas.TryInitialize(out var error))
        {
            throw new PoolUnavailableException($"cuBLAS is not available on this node: {error}.");
        }

        try
        {
            return CublasGemmInstance.Create(_cublas, device, spec);
        }
        catch (CudaException ex) when (ex.Code == CudaException.OutOfMemory)
        {
            throw new CapacityExceededException($"Device {context.Device.Id} has no room for the GEMM workload's {ByteSize.Format(spec.DeviceMemoryBytes)} (memory used outside the pool?).", TimeSpan.FromSeconds(5), ex);
        }
    }
}
