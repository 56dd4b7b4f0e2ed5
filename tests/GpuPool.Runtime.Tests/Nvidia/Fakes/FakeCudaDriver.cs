using System.Collections.Concurrent;
using GpuPool.Runtime.Cuda;

namespace GpuPool.Runtime.Tests.Nvidia.Fakes;

/// <summary>
/// A CUDA driver over host memory: devices with UUIDs, retained contexts, streams, and allocations whose
/// contents are real byte arrays (so fills, copies and the fake cuBLAS compute real values).
/// </summary>
internal sealed class FakeCudaDriver : ICudaDriver
{
    [ThreadStatic]
    private static nint _current;

    private readonly Lock _lock = new();
    private long _nextStream = 0x1000;
    private ulong _nextPointer = 0x10_0000;

    public List<byte[]> DeviceUuids { get; } = [];

    public string? InitError { get; set; }

    public long TotalMemory { get; set; } = ByteSize.GiB(80);

    /// <summary>Sizes of live allocations; contents are kept only for small ones (tests compute on those).</summary>
    public ConcurrentDictionary<ulong, long> Allocations { get; } = new();

    private ConcurrentDictionary<ulong, byte[]> Contents { get; } = new();

    public HashSet<nint> Streams { get; } = [];

    public List<nint> DestroyedStreams { get; } = [];

    public Dictionary<int, int> Retained { get; } = [];

    public int InitCalls { get; private set; }

    public static nint CurrentContext => _current;

    public static nint ContextOf(int device) => 0x100 + device;

    public long AllocatedBytes => Allocations.Values.Sum();

    public bool TryInitialize(out string? error)
    {
        InitCalls++;
        error = InitError;
        return InitError is null;
    }

    public int GetDeviceCount() => DeviceUuids.Count;

    public int GetDevice(int ordinal) => ordinal;

    public byte[] GetUuid(int device) => DeviceUuids[device];

    public int GetAttribute(CudaDeviceProperty attribute, int device) => attribute == CudaDeviceProperty.MultiprocessorCount ? 132 : 9;

    public nint RetainPrimaryContext(int device)
    {
        lock (_lock)
        {
            Retained[device] = Retained.GetValueOrDefault(device) + 1;
        }

        return ContextOf(device);
    }

    public void ReleasePrimaryContext(int device)
    {
        lock (_lock)
        {
            Retained[device]--;
        }
    }

    public void SetCurrentContext(nint context) => _current = context;

    public nint CreateStream()
    {
        RequireContext();
        lock (_lock)
        {
            var stream = (nint)_nextStream++;
            Streams.Add(stream);
            return stream;
        }
    }

    public void DestroyStream(nint stream)
    {
        lock (_lock)
        {
            if (!Streams.Remove(stream))
            {
                throw new CudaException("cuStreamDestroy_v2", 400, "CUDA_ERROR_INVALID_HANDLE");
            }

            DestroyedStreams.Add(stream);
        }
    }

    public void SynchronizeStream(nint stream)
    {
        lock (_lock)
        {
            if (!Streams.Contains(stream))
            {
                throw new CudaException("cuStreamSynchronize", 400, "CUDA_ERROR_INVALID_HANDLE");
            }
        }
    }

    public void SynchronizeContext() => RequireContext();

    public CudaMemoryInfo GetMemoryInfo() => new(TotalMemory - AllocatedBytes, TotalMemory);

    public ulong Allocate(long bytes)
    {
        RequireContext();
        lock (_lock)
        {
            if (AllocatedBytes + bytes > TotalMemory)
            {
                throw new CudaException("cuMemAlloc_v2", CudaException.OutOfMemory, "CUDA_ERROR_OUT_OF_MEMORY");
            }

            var pointer = _nextPointer;
            _nextPointer += (ulong)bytes + 256;
            Allocations[pointer] = bytes;
            if (bytes <= ByteSize.MiB(64))
            {
                Contents[pointer] = new byte[bytes];
            }

            return pointer;
        }
    }

    public void Free(ulong address)
    {
        Contents.TryRemove(address, out _);
        if (!Allocations.TryRemove(address, out _))
        {
            throw new CudaException("cuMemFree_v2", 1, "CUDA_ERROR_INVALID_VALUE");
        }
    }

    public void Fill32(ulong address, uint value, long count)
    {
        if (Allocations.ContainsKey(address) && !Contents.ContainsKey(address))
        {
            return; // large allocations are tracked by size only
        }

        var span = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(Memory(address).AsSpan());
        span[..(int)count].Fill(value);
    }

    public void Fill16(ulong address, ushort value, long count)
    {
        if (Allocations.ContainsKey(address) && !Contents.ContainsKey(address))
        {
            return; // large allocations are tracked by size only
        }

        var span = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(Memory(address).AsSpan());
        span[..(int)count].Fill(value);
    }

    public void CopyToHost(ulong source, Span<byte> destination) => Memory(source).AsSpan(0, destination.Length).CopyTo(destination);

    public byte[] Memory(ulong address) =>
        Contents.TryGetValue(address, out var bytes) ? bytes : throw new CudaException("access", 700, "CUDA_ERROR_ILLEGAL_ADDRESS");

    private static void RequireContext()
    {
        if (_current == 0)
        {
            throw new CudaException("call", 201, "CUDA_ERROR_INVALID_CONTEXT");
        }
    }
}
