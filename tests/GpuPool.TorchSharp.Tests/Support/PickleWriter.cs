using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace GpuPool.TorchSharp.Tests.Support;

/// <summary>
/// Writes the subset of Python's pickle protocol 2 that TorchScript's unpickler reads: globals,
/// objects built from a dict, tuples, strings, ints, bools and persistent ids (tensor storages).
/// </summary>
internal sealed class PickleWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public PickleWriter()
    {
        _buffer.Write([(byte)0x80]); // PROTO
        _buffer.Write([(byte)2]);
    }

    public PickleWriter Global(string module, string name)
    {
        _buffer.Write([(byte)'c']); // GLOBAL
        Ascii(module + "\n" + name + "\n");
        return this;
    }

    public PickleWriter Mark() => Op('(');

    public PickleWriter Tuple() => Op('t');

    public PickleWriter EmptyTuple() => Op(')');

    public PickleWriter EmptyDict() => Op('}');

    public PickleWriter SetItems() => Op('u');

    public PickleWriter NewObj() => Op(0x81);

    public PickleWriter Build() => Op('b');

    public PickleWriter Reduce() => Op('R');

    public PickleWriter BinPersId() => Op('Q');

    public PickleWriter Bool(bool value) => Op(value ? 0x88 : 0x89);

    public PickleWriter Int(long value)
    {
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            _buffer.Write([(byte)'J']); // BININT
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            _buffer.Write(bytes);
        }
        else
        {
            _buffer.Write([(byte)0x8a]); // LONG1
            _buffer.Write([(byte)8]);
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            _buffer.Write(bytes);
        }

        return this;
    }

    public PickleWriter String(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        _buffer.Write([(byte)'X']); // BINUNICODE
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        _buffer.Write(length);
        _buffer.Write(utf8);
        return this;
    }

    public PickleWriter IntTuple(IEnumerable<long> values)
    {
        Mark();
        foreach (var value in values)
        {
            Int(value);
        }

        return Tuple();
    }

    public byte[] Finish()
    {
        _buffer.Write([(byte)'.']); // STOP
        return _buffer.WrittenSpan.ToArray();
    }

    private PickleWriter Op(int opcode)
    {
        _buffer.Write([(byte)opcode]);
        return this;
    }

    private void Ascii(string text) => _buffer.Write(Encoding.ASCII.GetBytes(text));
}
