using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace GpuPool.Runtime.Models;

/// <summary>
/// A model file mapped read-only into memory for the length of a load: its bytes are hashed and read from
/// the page cache, never copied onto the managed heap (where a model-sized array stays resident after it is
/// collected, as free space the garbage collector keeps).
/// </summary>
internal sealed unsafe class MappedModelFile : MemoryManager<byte>
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private readonly int _length;
    private bool _disposed;

    private MappedModelFile(MemoryMappedFile file, MemoryMappedViewAccessor view, int length)
    {
        _file = file;
        _view = view;
        _length = length;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _pointer = pointer + view.PointerOffset;
    }

    /// <summary>Maps a model file.</summary>
    /// <exception cref="InvalidPoolRequestException">The file does not exist, is empty, or is 2 GiB or larger.</exception>
    public static MappedModelFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidPoolRequestException($"Model file '{path}' does not exist.");
        }

        if (info.Length is 0 or > int.MaxValue)
        {
            throw new InvalidPoolRequestException($"Model file '{path}' has {info.Length} bytes; a model file holds 1 byte to 2 GiB.");
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = file.CreateViewAccessor(0, info.Length, MemoryMappedFileAccess.Read);
            return new MappedModelFile(file, view, (int)info.Length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new(_pointer, _length);
    }

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    /// <inheritdoc />
    public override void Unpin()
    {
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
