namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>Mutates serialized protobuf requests the way a fuzzer does: bit flips, byte changes, cuts, insertions, duplications, huge varints.</summary>
internal sealed class RequestMutator(Random random)
{
    public byte[] Mutate(byte[] message)
    {
        var bytes = new List<byte>(message);
        var rounds = 1 + random.Next(4);
        for (var i = 0; i < rounds; i++)
        {
            MutateOnce(bytes);
        }

        return [.. bytes];
    }

    private void MutateOnce(List<byte> bytes)
    {
        var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        switch (random.Next(8))
        {
            case 0 when bytes.Count > 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when bytes.Count > 0:
                bytes[at] = (byte)random.Next(256);
                break;
            case 2:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 3:
                bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256)));
                break;
            case 4 when bytes.Count > 0:
                var length = Math.Min(bytes.Count - at, 1 + random.Next(32));
                bytes.InsertRange(at, bytes.GetRange(at, length));
                break;
            case 5 when bytes.Count > 0:
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                break;
            case 6:
                // A maximal varint (10 bytes): negative numbers, huge sizes and lengths.
                bytes.InsertRange(at, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
                break;
            default:
                // A well-formed field with a random number and wire type.
                var field = 1 + random.Next(20);
                var wireType = random.Next(3) switch { 0 => 0, 1 => 2, _ => 5 };
                byte[] value = wireType switch
                {
                    0 => [(byte)random.Next(128)],
                    2 => [4, (byte)random.Next(256), 0, 0xC3, 0x28],
                    _ => [0x00, 0x00, 0xC0, 0x7F],
                };
                bytes.InsertRange(at, [(byte)((field << 3) | wireType), .. value]);
                break;
        }
    }
}
