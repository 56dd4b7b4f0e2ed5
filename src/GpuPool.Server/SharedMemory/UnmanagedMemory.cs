using System.Buffers;

namespace GpuPool.Server.SharedMemory;

/// <summary>A <see cref="Memory{T}"/> over mapped memory, so tensors can be read from a region without copying. Valid while its region is held.</summary>
internal sealed unsafe class UnmanagedMemory(byte* start, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new(start, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(start + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
