using System.Buffers;

namespace GpuPool.SharedMemory;

/// <summary>A <see cref="Memory{T}"/> over mapped shared memory: valid until its region is disposed.</summary>
internal sealed unsafe class RegionMemory(byte* start, int length) : MemoryManager<byte>
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
