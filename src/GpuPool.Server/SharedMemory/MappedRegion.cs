using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace GpuPool.Server.SharedMemory;

/// <summary>
/// One registered region, mapped into the server. Runs hold it (<see cref="TryAcquire"/> / <see cref="Release"/>)
/// while they read or write it; unregistering retires it, and the mapping goes when the last holder lets go,
/// so a region unregistered during a run is never unmapped under that run.
/// </summary>
internal sealed unsafe class MappedRegion
{
    private readonly SafeFileHandle _file;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _start;
    private readonly bool _sealed;
    private int _holders = 1; // the registry's own hold, given up by Retire
    private int _retired;

    public MappedRegion(RegionKey key, string tenant, string path, long offset, long byteSize, SafeFileHandle file, bool sealedAgainstShrinking, (ulong, ulong) identity)
    {
        Key = key;
        Tenant = tenant;
        Path = path;
        Offset = offset;
        ByteSize = byteSize;
        Identity = identity;
        _file = file;
        _sealed = sealedAgainstShrinking;
        try
        {
            _map = MemoryMappedFile.CreateFromFile(file, mapName: null, capacity: 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            _view = _map.CreateViewAccessor(offset, byteSize, MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _start = pointer + _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            _map?.Dispose();
            throw;
        }
    }

    public RegionKey Key { get; }

    public string Tenant { get; }

    public string Path { get; }

    public long Offset { get; }

    public long ByteSize { get; }

    /// <summary>The file's (device, inode).</summary>
    public (ulong Device, ulong Inode) Identity { get; }

    /// <summary>Holds the region for a run; false once it is retired.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var holders = Volatile.Read(ref _holders);
            if (holders == 0 || Volatile.Read(ref _retired) != 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _holders, holders + 1, holders) == holders)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
            _file.Dispose();
        }
    }

    /// <summary>Unregistered (or its lease ended): no new holder; unmapped when the last one releases.</summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0)
        {
            Release();
        }
    }

    /// <summary>
    /// The bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of the region,
    /// valid while held. A range outside the region, or a file that shrank under its mapping, is refused.
    /// </summary>
    /// <exception cref="InvalidPoolRequestException">The range is outside the region, or the file shrank.</exception>
    public Memory<byte> Slice(long offset, long length, string what)
    {
        if (offset < 0 || length <= 0 || length > int.MaxValue || offset > ByteSize - length)
        {
            throw new InvalidPoolRequestException($"{what}: bytes [{offset}, {offset} + {length}) are outside region '{Key.Name}' of {ByteSize} bytes.");
        }

        // An unsealed file may have been truncated since it was registered: touching a page past its end would
        // fault (SIGBUS). This check narrows that window; a sealed memfd closes it (docs/shared-memory.md).
        if (!_sealed && RandomAccess.GetLength(_file) < Offset + offset + length)
        {
            throw new InvalidPoolRequestException($"{what}: the file of region '{Key.Name}' is now shorter than the region; register it again.");
        }

        return new UnmanagedMemory(_start + offset, (int)length).Memory;
    }
}
