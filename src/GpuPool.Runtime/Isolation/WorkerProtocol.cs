using System.Buffers.Binary;
using System.Text;

namespace GpuPool.Runtime.Isolation;

/// <summary>
/// Frames over the worker's stdin/stdout: a 4-byte little-endian length, then the payload, whose first
/// byte is a <see cref="WorkerMessage"/>. One request at a time, each answered by one reply.
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

    public static void WriteTensor(BinaryWriter writer, TensorValue value)
    {
        writer.Write((int)value.ElementType);
        WriteShape(writer, value.Shape);
        writer.Write(value.Data.Length);
        writer.Write(value.Data.Span);
    }

    public static TensorValue ReadTensor(BinaryReader reader)
    {
        var type = (TensorDataType)reader.ReadInt32();
        var shape = ReadShape(reader);
        var data = reader.ReadBytes(reader.ReadInt32());
        return new TensorValue(type, shape, data);
    }

    public static void WriteTensors(BinaryWriter writer, IReadOnlyDictionary<string, TensorValue> tensors)
    {
        writer.Write(tensors.Count);
        foreach (var (name, value) in tensors)
        {
            writer.Write(name);
            WriteTensor(writer, value);
        }
    }

    public static Dictionary<string, TensorValue> ReadTensors(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var tensors = new Dictionary<string, TensorValue>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            tensors[name] = ReadTensor(reader);
        }

        return tensors;
    }

    public static void WriteInfos(BinaryWriter writer, IReadOnlyList<TensorInfo> infos)
    {
        writer.Write(infos.Count);
        foreach (var info in infos)
        {
            writer.Write(info.Name);
            writer.Write((int)info.ElementType);
            WriteShape(writer, info.Shape);
        }
    }

    public static List<TensorInfo> ReadInfos(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var infos = new List<TensorInfo>(count);
        for (var i = 0; i < count; i++)
        {
            infos.Add(new TensorInfo(reader.ReadString(), (TensorDataType)reader.ReadInt32(), ReadShape(reader)));
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

    private static void WriteShape(BinaryWriter writer, IReadOnlyList<long> shape)
    {
        writer.Write(shape.Count);
        foreach (var dim in shape)
        {
            writer.Write(dim);
        }
    }

    private static long[] ReadShape(BinaryReader reader)
    {
        var shape = new long[reader.ReadInt32()];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = reader.ReadInt64();
        }

        return shape;
    }
}
