using System.Runtime.InteropServices;
using GpuPool.Cublas;

namespace GpuPool.Runtime.Tests.Nvidia.Fakes;

/// <summary>cuBLAS computed on the host over <see cref="FakeCudaDriver"/>'s memory (column-major, no transposition).</summary>
internal sealed class FakeCublas(FakeCudaDriver driver) : ICublas
{
    private readonly Lock _lock = new();
    private long _nextHandle = 0x7000;

    public string? InitError { get; set; }

    public Dictionary<nint, nint> StreamOf { get; } = [];

    public List<(string Call, nint Stream, int Lda, int Ldb, int Ldc)> Calls { get; } = [];

    public HashSet<nint> Handles { get; } = [];

    public bool TryInitialize(out string? error)
    {
        error = InitError;
        return InitError is null;
    }

    public nint CreateHandle()
    {
        lock (_lock)
        {
            var handle = (nint)_nextHandle++;
            Handles.Add(handle);
            return handle;
        }
    }

    public void DestroyHandle(nint handle)
    {
        lock (_lock)
        {
            Handles.Remove(handle);
        }
    }

    public void SetStream(nint handle, nint stream)
    {
        lock (_lock)
        {
            StreamOf[handle] = stream;
        }
    }

    public void Sgemm(nint handle, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb, float beta, ulong c, int ldc)
    {
        Record("sgemm", handle, lda, ldb, ldc);
        Multiply(m, n, k, alpha, Floats(a), lda, Floats(b), ldb, beta, c, ldc);
    }

    public void GemmTyped(nint handle, int m, int n, int k, float alpha, ulong a, CudaDataType aType, int lda, ulong b, CudaDataType bType, int ldb, float beta, ulong c, CudaDataType cType, int ldc, CublasComputeType computeType)
    {
        Record($"gemm:{aType}:{computeType}", handle, lda, ldb, ldc);
        Assert.Equal(CudaDataType.R32F, cType);
        Multiply(m, n, k, alpha, Decode(a, aType), lda, Decode(b, bType), ldb, beta, c, ldc);
    }

    private void Record(string call, nint handle, int lda, int ldb, int ldc)
    {
        lock (_lock)
        {
            Calls.Add((call, StreamOf[handle], lda, ldb, ldc));
        }
    }

    private float[] Floats(ulong address) => MemoryMarshal.Cast<byte, float>(driver.Memory(address)).ToArray();

    private float[] Decode(ulong address, CudaDataType type)
    {
        var bytes = driver.Memory(address);
        return type switch
        {
            CudaDataType.R32F => MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
            CudaDataType.R16F => [.. MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h)],
            _ => [.. MemoryMarshal.Cast<byte, ushort>(bytes).ToArray().Select(u => BitConverter.Int32BitsToSingle(u << 16))],
        };
    }

    private void Multiply(int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float beta, ulong c, int ldc)
    {
        var result = MemoryMarshal.Cast<byte, float>(driver.Memory(c).AsSpan());
        for (var col = 0; col < n; col++)
        {
            for (var row = 0; row < m; row++)
            {
                var sum = 0f;
                for (var i = 0; i < k; i++)
                {
                    sum += a[row + (i * lda)] * b[i + (col * ldb)];
                }

                result[row + (col * ldc)] = (alpha * sum) + (beta * result[row + (col * ldc)]);
            }
        }
    }
}
