using System.IO.MemoryMappedFiles;
using GpuPool.Remote;
using GpuPool.SharedMemory;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool;

/// <summary>
/// Shared memory registered with a pool server on this machine, against one lease: tensors in it go to and from
/// runs by reference (<see cref="SharedMemoryExtensions.RunAsync"/>) instead of over the connection. Create one with
/// <see cref="SharedMemoryExtensions.CreateSharedMemoryAsync"/>; dispose it (or end the lease) to unregister it.
/// Memory and spans from it are valid until it is disposed.
/// </summary>
public sealed class SharedMemoryRegion : IAsyncDisposable
{
    private readonly RemoteLease _lease;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly nint _start;
    private int _disposed;

    internal SharedMemoryRegion(RemoteLease lease, string name, string path, MemoryMappedFile map, long byteSize)
    {
        _lease = lease;
        Name = name;
        Path = path;
        ByteSize = byteSize;
        _map = map;
        _view = map.CreateViewAccessor(0, byteSize, MemoryMappedFileAccess.ReadWrite);
        _start = Map(_view);
    }

    /// <summary>The region's name in its lease.</summary>
    public string Name { get; }

    /// <summary>The file the server mapped (<c>/proc/PID/fd/N</c> of this process's memfd).</summary>
    public string Path { get; }

    /// <summary>The region's size in bytes.</summary>
    public long ByteSize { get; }

    /// <summary>The lease the region is registered against.</summary>
    public GpuLease Lease => _lease;

    internal RemoteLease RemoteLease => _lease;

    /// <summary>Bytes of the region, to read or write in place.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the region.</exception>
    public unsafe Span<byte> GetSpan(long offset, int length) => new((void*)At(offset, length), length);

    /// <summary>Bytes of the region as <see cref="Memory{T}"/> (for a <see cref="TensorValue"/> over them, say).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the region.</exception>
    public unsafe Memory<byte> GetMemory(long offset, int length) => new RegionMemory((byte*)At(offset, length), length).Memory;

    /// <summary>An input already in the region: <paramref name="shape"/> of <paramref name="elementType"/> at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tensor does not fit in the region.</exception>
    public SharedTensor Input(long offset, TensorDataType elementType, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var size = TensorValue.SizeOf(elementType);
        ArgumentOutOfRangeException.ThrowIfZero(size, nameof(elementType));
        var count = TensorValue.CountElements(shape);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (ByteSize - offset) / size, nameof(shape));
        var bytes = count * size;
        At(offset, bytes);
        return new SharedTensor(this, offset, bytes, elementType, [.. shape]);
    }

    /// <summary>Copies <paramref name="tensor"/> into the region at <paramref name="offset"/> and returns it as an input.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tensor does not fit in the region.</exception>
    public SharedTensor Write(long offset, TensorValue tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Data.Span.CopyTo(GetSpan(offset, tensor.Data.Length));
        return new SharedTensor(this, offset, tensor.Data.Length, tensor.ElementType, [.. tensor.Shape]);
    }

    /// <summary>Room for an output: the server writes it at <paramref name="offset"/>, in at most <paramref name="byteSize"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the region.</exception>
    public SharedTensor Output(long offset, long byteSize)
    {
        At(offset, byteSize);
        return new SharedTensor(this, offset, byteSize, TensorDataType.Unknown, []);
    }

    /// <summary>Unregisters the region from the server (if its lease is still held) and unmaps it here. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_lease.LostReason == LeaseLostReason.None)
            {
                var request = new V1.UnregisterRegionRequest { LeaseId = _lease.Id, Name = Name };
                await _lease.CallAsync((c, ct) => c.SharedMemory.UnregisterAsync(request, c.Options(ct)).ResponseAsync, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (LeaseLostException)
        {
            // The lease ended: the server dropped its regions with it.
        }
        finally
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
        }
    }

    private static unsafe nint Map(MemoryMappedViewAccessor view)
    {
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        return (nint)(pointer + view.PointerOffset);
    }

    private nint At(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, ByteSize - length);
        return _start + (nint)offset;
    }
}
