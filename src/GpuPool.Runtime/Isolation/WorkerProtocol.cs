using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using GpuPool.Protocol.Conversion;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Runtime.Isolation;

/// <summary>
/// Frames over the worker's stdin/stdout: a 4-byte little-endian length, then the payload, whose first
/// byte is a <see cref="WorkerMessage"/>. One request at a time, each answered by one reply. Tensors and
/// their descriptions travel as the wire's <c>gpupool.v1</c> messages, through the same codec.
/// </summary>
internal static class WorkerProtocol
{
    public const int MaxFrameBytes = 1 << 30;

    public static void WriteFrame(Stream stream, Action<BinaryWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            buffer.Write(stackalloc byte[4]);
            body(writer);
        }

        var bytes = buffer.GetBuffer();
        BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)buffer.Length - 4);
        stream.Write(bytes, 0, (int)buffer.Length);
        stream.Flush();
    }

    /// <summary>Reads one frame; <see langword="null"/> at a clean end of stream.</summary>
    public static BinaryReader? ReadFrame(Stream stream)
    {
        Span<byte> header = stackalloc byte[4];
        var read = stream.ReadAtLeast(header, 4, throwOnEndOfStream: false);
        if (read == 0)
        {
            return null;
        }

        if (read < 4)
        {
            throw new EndOfStreamException("The stream ended inside a frame header.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length <= 0 || length > MaxFrameBytes)
        {
            throw new InvalidDataException($"Frame length {length} is out of range.");
        }

        var payload = new byte[length];
        stream.ReadExactly(payload);
        return new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
    }

    public static void WriteTensors(BinaryWriter writer, IReadOnlyDictionary<string, TensorValue> tensors)
    {
        writer.Write(tensors.Count);
        foreach (var (name, value) in tensors)
        {
            writer.Write(name);
            WriteMessage(writer, TensorCodec.ToMessage(value));
        }
    }

    /// <exception cref="InvalidPoolRequestException">A tensor is malformed (the message names it).</exception>
    public static Dictionary<string, TensorValue> ReadTensors(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var tensors = new Dictionary<string, TensorValue>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            tensors[name] = TensorCodec.FromMessage(name, ReadMessage(reader, V1.Tensor.Parser));
        }

        return tensors;
    }

    public static void WriteInfos(BinaryWriter writer, IReadOnlyList<TensorInfo> infos)
    {
        writer.Write(infos.Count);
        foreach (var info in infos)
        {
            WriteMessage(writer, TensorCodec.ToMessage(info));
        }
    }

    public static List<TensorInfo> ReadInfos(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var infos = new List<TensorInfo>(count);
        for (var i = 0; i < count; i++)
        {
            infos.Add(TensorCodec.FromMessage(ReadMessage(reader, V1.TensorInfo.Parser)));
        }

        return infos;
    }

    public static void WriteDevice(BinaryWriter writer, DeviceDescriptor device)
    {
        writer.Write(device.Id);
        writer.Write(device.Node);
        writer.Write((int)device.Kind);
        writer.Write((int)device.Vendor);
        writer.Write(device.Model);
        writer.Write(device.TotalMemoryBytes);
        writer.Write(device.Ordinal);
        writer.Write(device.Uuid ?? string.Empty);
        writer.Write(device.ComputeUnits);
        writer.Write(device.IsSimulated);
    }

    public static DeviceDescriptor ReadDevice(BinaryReader reader) => new()
    {
        Id = reader.ReadString(),
        Node = reader.ReadString(),
        Kind = (DeviceKind)reader.ReadInt32(),
        Vendor = (DeviceVendor)reader.ReadInt32(),
        Model = reader.ReadString(),
        TotalMemoryBytes = reader.ReadInt64(),
        Ordinal = reader.ReadInt32(),
        Uuid = reader.ReadString() is { Length: > 0 } uuid ? uuid : null,
        ComputeUnits = reader.ReadInt32(),
        IsSimulated = reader.ReadBoolean(),
    };

    /// <summary>A protobuf message, prefixed by its length (the frame's other fields are not protobuf).</summary>
    private static void WriteMessage(BinaryWriter writer, IMessage message)
    {
        writer.Write(message.CalculateSize());
        writer.Flush();
        message.WriteTo(writer.BaseStream);
    }

    private static T ReadMessage<T>(BinaryReader reader, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var length = reader.ReadInt32();
        if (length < 0)
        {
            throw new InvalidDataException($"Message length {length} is out of range.");
        }

        var bytes = reader.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new EndOfStreamException("The frame ended inside a message.");
        }

        return parser.ParseFrom(bytes);
    }
}
