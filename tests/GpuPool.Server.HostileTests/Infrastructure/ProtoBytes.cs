using System.Buffers;
using Google.Protobuf;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>Hand-built protobuf bytes: fields with the wire types and encodings a generated client would never write.</summary>
internal sealed class ProtoBytes
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();

    public ProtoBytes Varint(int field, ulong value)
    {
        Tag(field, 0);
        RawVarint(value);
        return this;
    }

    public ProtoBytes Fixed32(int field, uint value)
    {
        Tag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public ProtoBytes Fixed64(int field, ulong value)
    {
        Tag(field, 1);
        Span<byte> bytes = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public ProtoBytes Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        RawVarint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    public ProtoBytes Message(int field, IMessage message) => Bytes(field, message.ToByteArray());

    public ProtoBytes Raw(params byte[] bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void Write1(byte value) => _buffer.Write([value]);

    private void Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

    private void RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            Write1((byte)(value | 0x80));
            value >>= 7;
        }

        Write1((byte)value);
    }
}
