using System.Buffers.Binary;
using System.Text;

namespace GpuPool.Protocol;

/// <summary>
/// The frames of bulk runs over the server's raw TCP bulk port (docs/protocol.md, "Bulk runs over raw TCP"): a
/// fixed 24-byte preamble, then the API key (requests), the protobuf header and the tensors' raw bytes. All integers
/// little-endian. A connection carries one run after another; either side closes it after an error.
/// </summary>
public static class BulkFrames
{
    /// <summary>The first four bytes of every frame: <c>GPB1</c>.</summary>
    public const uint Magic = 0x31425047;

    /// <summary>The length of a request's and a reply's preamble.</summary>
    public const int PreambleLength = 24;

    /// <summary>The longest API key a request may carry, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 4096;

    /// <summary>
    /// Writes a request's preamble: magic, the key's length (u32, at most 65,535), the header's length (u32), 4 bytes
    /// zero, the body's length (u64: header and tensors, as an HTTP bulk run's Content-Length; the key not counted).
    /// </summary>
    public static void WriteRequest(Span<byte> preamble, int keyLength, int headerLength, long bodyLength) =>
        Write(preamble, checked((ushort)keyLength), headerLength, bodyLength);

    /// <summary>Reads a request's preamble; false when it does not start with <see cref="Magic"/> or a reserved byte is set.</summary>
    public static bool TryReadRequest(ReadOnlySpan<byte> preamble, out int keyLength, out int headerLength, out long bodyLength)
    {
        var ok = TryRead(preamble, out var key, out headerLength, out bodyLength);
        keyLength = (int)key;
        return ok && key <= ushort.MaxValue;
    }

    /// <summary>Writes a reply's preamble: magic, the gRPC status code (u32, 0 for a run that ran), the header's length (u32), 4 bytes zero, the body's length (u64).</summary>
    public static void WriteReply(Span<byte> preamble, int status, int headerLength, long bodyLength) =>
        Write(preamble, checked((uint)status), headerLength, bodyLength);

    /// <summary>Reads a reply's preamble; false when it is not one.</summary>
    public static bool TryReadReply(ReadOnlySpan<byte> preamble, out int status, out int headerLength, out long bodyLength)
    {
        var ok = TryRead(preamble, out var code, out headerLength, out bodyLength);
        status = (int)code;
        return ok && code <= int.MaxValue;
    }

    /// <summary>
    /// A failed run's header: the message, then the trailers a gRPC run would have sent as name, value, name, value,
    /// each string a u16 length and its UTF-8 bytes.
    /// </summary>
    public static byte[] EncodeError(string message, IEnumerable<KeyValuePair<string, string>> trailers)
    {
        var strings = new List<byte[]> { Utf8(message) };
        foreach (var (name, value) in trailers)
        {
            strings.Add(Utf8(name));
            strings.Add(Utf8(value));
        }

        var bytes = new byte[strings.Sum(s => 2 + s.Length)];
        var offset = 0;
        foreach (var s in strings)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)s.Length);
            s.CopyTo(bytes, offset + 2);
            offset += 2 + s.Length;
        }

        return bytes;
    }

    /// <summary>Reads <see cref="EncodeError"/>'s bytes; false when they are not well formed.</summary>
    public static bool TryDecodeError(ReadOnlySpan<byte> bytes, out string message, out List<KeyValuePair<string, string>> trailers)
    {
        message = string.Empty;
        trailers = [];
        var strings = new List<string>();
        while (bytes.Length > 0)
        {
            if (bytes.Length < 2 || BinaryPrimitives.ReadUInt16LittleEndian(bytes) is var length && bytes.Length < 2 + length)
            {
                return false;
            }

            strings.Add(Encoding.UTF8.GetString(bytes.Slice(2, length)));
            bytes = bytes[(2 + length)..];
        }

        if (strings.Count % 2 != 1)
        {
            return false;
        }

        message = strings[0];
        for (var i = 1; i < strings.Count; i += 2)
        {
            trailers.Add(new(strings[i], strings[i + 1]));
        }

        return true;
    }

    private static byte[] Utf8(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length <= ushort.MaxValue ? bytes : bytes[..ushort.MaxValue];
    }

    private static void Write(Span<byte> preamble, uint second, int headerLength, long bodyLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(preamble.Length, PreambleLength);
        ArgumentOutOfRangeException.ThrowIfNegative(headerLength);
        ArgumentOutOfRangeException.ThrowIfNegative(bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble[4..], second);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble[8..], (uint)headerLength);
        BinaryPrimitives.WriteUInt32LittleEndian(preamble[12..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(preamble[16..], bodyLength);
    }

    private static bool TryRead(ReadOnlySpan<byte> preamble, out uint second, out int headerLength, out long bodyLength)
    {
        second = 0;
        headerLength = 0;
        bodyLength = 0;
        if (preamble.Length < PreambleLength || BinaryPrimitives.ReadUInt32LittleEndian(preamble) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(preamble[12..]) != 0)
        {
            return false;
        }

        second = BinaryPrimitives.ReadUInt32LittleEndian(preamble[4..]);
        var header = BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);
        bodyLength = BinaryPrimitives.ReadInt64LittleEndian(preamble[16..]);
        headerLength = (int)Math.Min(header, int.MaxValue);
        return header <= int.MaxValue && bodyLength >= 0;
    }
}
