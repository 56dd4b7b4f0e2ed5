using System.Buffers;
using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Tests.Models;

/// <summary>Bytes in native memory behind a <see cref="MemoryManager{T}"/> that counts how often it was pinned (as a shared-memory region's is).</summary>
internal sealed unsafe class NativeBytes(int length) : MemoryManager<byte>
{
    private readonly byte* _pointer = (byte*)NativeMemory.AllocZeroed((nuint)length);
    private int _pins;

    public int Pins => Volatile.Read(ref _pins);

    public override Span<byte> GetSpan() => new(_pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        Interlocked.Increment(ref _pins);
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => NativeMemory.Free(_pointer);
}
