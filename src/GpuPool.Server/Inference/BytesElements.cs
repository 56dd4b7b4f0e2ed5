using System.Buffers.Binary;

namespace GpuPool.Server.Inference;

/// <summary>The raw form of a BYTES tensor: each element as a 4-byte little-endian length, then its bytes.</summary>
internal static class BytesElements
{
    /// <summary>Counts the elements of a raw BYTES tensor, refusing lengths that run past its end.</summary>
    public static long Count(string input, ReadOnlySpan<byte> raw)
    {
        long count = 0;
        var offset = 0;
        while (offset < raw.Length)
        {
            if (raw.Length - offset < 4)
            {
                throw new InvalidPoolRequestException($"Input '{input}' (BYTES): {raw.Length - offset} byte(s) at offset {offset} are too few for an element's 4-byte length.");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
            offset += 4;
            if (length > (uint)(raw.Length - offset))
            {
                throw new InvalidPoolRequestException($"Input '{input}' (BYTES): element {count} claims {length} bytes but only {raw.Length - offset} remain.");
            }

            offset += (int)length;
            count++;
        }

        return count;
    }
}
