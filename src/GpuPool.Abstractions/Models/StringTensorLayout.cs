using System.Buffers.Binary;
using System.Globalization;

namespace GpuPool;

/// <summary>
/// The data of a <see cref="TensorDataType.String"/> tensor: each element as its byte length (4 bytes,
/// little-endian) followed by its bytes — the raw BYTES form of the Open Inference Protocol, so that form
/// travels without a copy.
/// </summary>
internal static class StringTensorLayout
{
    /// <summary>Bytes of the length before each element.</summary>
    public const int PrefixBytes = 4;

    /// <summary>Counts the elements, refusing a length that runs past the end.</summary>
    /// <exception cref="InvalidPoolRequestException">A length prefix is cut short or claims more bytes than remain.</exception>
    public static long Count(ReadOnlySpan<byte> data)
    {
        long count = 0;
        var offset = 0;
        while (offset < data.Length)
        {
            offset = Next(data, offset, count, out _);
            count++;
        }

        return count;
    }

    /// <summary>The elements' bytes, in order, over <paramref name="data"/> (no copy); the data must be valid.</summary>
    public static ReadOnlyMemory<byte>[] Elements(ReadOnlyMemory<byte> data, long count)
    {
        var elements = new ReadOnlyMemory<byte>[count];
        var offset = 0;
        for (var i = 0; i < elements.Length; i++)
        {
            var next = Next(data.Span, offset, i, out var length);
            elements[i] = data.Slice(next - length, length);
            offset = next;
        }

        return elements;
    }

    /// <summary>Packs elements into the layout.</summary>
    public static byte[] Pack(IReadOnlyList<ReadOnlyMemory<byte>> elements)
    {
        long total = 0;
        foreach (var element in elements)
        {
            total += PrefixBytes + element.Length;
        }

        if (total > Array.MaxLength)
        {
            throw new InvalidPoolRequestException($"A string tensor of {total} bytes is larger than one buffer can hold.");
        }

        var data = new byte[total];
        var offset = 0;
        foreach (var element in elements)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(offset), (uint)element.Length);
            element.Span.CopyTo(data.AsSpan(offset + PrefixBytes));
            offset += PrefixBytes + element.Length;
        }

        return data;
    }

    /// <summary>Reads the element at <paramref name="offset"/>; returns the offset after it.</summary>
    private static int Next(ReadOnlySpan<byte> data, int offset, long index, out int length)
    {
        if (data.Length - offset < PrefixBytes)
        {
            throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture,
                $"String tensor element {index}: {data.Length - offset} byte(s) at offset {offset} are too few for its 4-byte length."));
        }

        var claimed = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
        offset += PrefixBytes;
        if (claimed > (uint)(data.Length - offset))
        {
            throw new InvalidPoolRequestException(string.Create(CultureInfo.InvariantCulture,
                $"String tensor element {index} claims {claimed} bytes but only {data.Length - offset} remain."));
        }

        length = (int)claimed;
        return offset + length;
    }
}
