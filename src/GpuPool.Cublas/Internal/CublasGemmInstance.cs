using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Models;

namespace GpuPool.Cublas.Internal;

/// <summary>
/// A loaded GEMM workload: A, B (filled with ones) and C on the device, a cuBLAS handle, and a stream of
/// its own for runs whose context carries none. Runs of one instance are serialised (one handle).
/// </summary>
internal sealed class CublasGemmInstance : IModelInstance
{
    private const int SampleLimit = 16;
    private readonly Lock _lock = new();
    private readonly ICublas _cublas;
    private readonly CudaDeviceContext _device;
    private readonly GemmSpec _spec;
    private readonly ulong[] _buffers = new ulong[3];
    private nint _handle;
    private nint _stream;
    private bool _disposed;

    private CublasGemmInstance(ICublas cublas, CudaDeviceContext device, GemmSpec spec)
    {
        _cublas = cublas;
        _device = device;
        _spec = spec;
        Outputs =
        [
            new TensorInfo("c", TensorDataType.Float32, [Math.Min(spec.M, SampleLimit)]),
            new TensorInfo("flops", TensorDataType.Float64, [1]),
        ];
    }

    public IReadOnlyList<TensorInfo> Inputs { get; } = [];

    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>Allocates and fills the matrices; frees everything again if any step fails.</summary>
    public static CublasGemmInstance Create(ICublas cublas, CudaDeviceContext device, GemmSpec spec)
    {
        var instance = new CublasGemmInstance(cublas, device, spec);
        try
        {
            instance.Initialize();
            return instance;
        }
        catch
        {
            instance.Dispose();
            throw;
        }
    }

    public IReadOnlyDictionary<string, TensorValue> Run(IReadOnlyDictionary<string, TensorValue> inputs, in RunContext context)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _device.MakeCurrent();
            var stream = context.Stream != 0 ? context.Stream : _stream;
            _cublas.SetStream(_handle, stream);
            for (var i = 0; i < _spec.Iterations; i++)
            {
                Multiply();
            }

            _device.Driver.SynchronizeStream(stream);
            var sample = new float[Math.Min(_spec.M, SampleLimit)];
            _device.Driver.CopyToHost(_buffers[2], System.Runtime.InteropServices.MemoryMarshal.AsBytes(sample.AsSpan()));
            return new Dictionary<string, TensorValue>(StringComparer.Ordinal)
            {
                ["c"] = TensorValue.FromArray(sample, sample.Length),
                ["flops"] = TensorValue.FromArray([_spec.FlopsPerRun], 1),
            };
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _device.MakeCurrent();
            if (_stream != 0)
            {
                _device.Driver.SynchronizeStream(_stream);
            }

            if (_handle != 0)
            {
                _cublas.DestroyHandle(_handle);
            }

            foreach (var buffer in _buffers)
            {
                if (buffer != 0)
                {
                    _device.Driver.Free(buffer);
                }
            }

            if (_stream != 0)
            {
                _device.Driver.DestroyStream(_stream);
            }
        }
    }

    private void Initialize()
    {
        var driver = _device.Driver;
        _device.MakeCurrent();
        long m = _spec.M, n = _spec.N, k = _spec.K;
        _buffers[0] = driver.Allocate(m * k * _spec.InputElementBytes);
        _buffers[1] = driver.Allocate(k * n * _spec.InputElementBytes);
        _buffers[2] = driver.Allocate(m * n * sizeof(float));
        Fill(_buffers[0], m * k);
        Fill(_buffers[1], k * n);
        driver.Fill32(_buffers[2], 0, m * n);

        // Fills run on the legacy stream; the lease's streams are non-blocking and must see them done.
        driver.SynchronizeContext();
        _stream = driver.CreateStream();
        _handle = _cublas.CreateHandle();
    }

    private void Fill(ulong buffer, long count)
    {
        // Ones, so every element of C is exactly k: a run's output says the arithmetic really happened.
        switch (_spec.DataType)
        {
            case GemmDataType.Fp16:
                _device.Driver.Fill16(buffer, 0x3C00, count);
                break;
            case GemmDataType.Bf16:
                _device.Driver.Fill16(buffer, 0x3F80, count);
                break;
            default:
                _device.Driver.Fill32(buffer, 0x3F800000, count);
                break;
        }
    }

    private void Multiply()
    {
        int m = _spec.M, n = _spec.N, k = _spec.K;
        ulong a = _buffers[0], b = _buffers[1], c = _buffers[2];
        switch (_spec.DataType)
        {
            case GemmDataType.Fp32:
                _cublas.Sgemm(_handle, m, n, k, 1f, a, m, b, k, 0f, c, m);
                break;
            case GemmDataType.Tf32:
                _cublas.GemmTyped(_handle, m, n, k, 1f, a, CudaDataType.R32F, m, b, CudaDataType.R32F, k, 0f, c, CudaDataType.R32F, m, CublasComputeType.Compute32FFastTf32);
                break;
            default:
                var type = _spec.DataType == GemmDataType.Fp16 ? CudaDataType.R16F : CudaDataType.R16BF;
                _cublas.GemmTyped(_handle, m, n, k, 1f, a, type, m, b, type, k, 0f, c, CudaDataType.R32F, m, CublasComputeType.Compute32F);
                break;
        }
    }
}
