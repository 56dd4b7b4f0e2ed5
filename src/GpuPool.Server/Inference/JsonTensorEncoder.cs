using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace GpuPool.Server.Inference;

/// <summary>
/// Writes an HTTP inference response: outputs as JSON <c>data</c> (flat, row-major), or, for those asked for
/// as binary, their bytes after the JSON header with <c>binary_data_size</c> (the binary tensor extension).
/// </summary>
internal static class JsonTensorEncoder
{
    /// <summary>The response body and the length of its JSON header (equal to the body's length when nothing is binary).</summary>
    public static (byte[] Body, int HeaderLength) Encode(string model, string version, JsonInferRequest request, IReadOnlyList<(string Name, TensorValue Value)> outputs)
    {
        var json = new ArrayBufferWriter<byte>();
        var binary = new List<ReadOnlyMemory<byte>>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name", model);
            writer.WriteString("model_version", version);
            if (request.Id.Length > 0)
            {
                writer.WriteString("id", request.Id);
            }

            writer.WriteStartArray("outputs");
            foreach (var (name, value) in outputs)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("datatype", InferDataTypes.NameOf(value.ElementType));
                writer.WriteStartArray("shape");
                foreach (var dim in value.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                if (request.AllBinary || request.BinaryOutputs.Contains(name))
                {
                    writer.WriteStartObject("parameters");
                    writer.WriteNumber("binary_data_size", value.Data.Length);
                    writer.WriteEndObject();
                    binary.Add(value.Data);
                }
                else
                {
                    writer.WriteStartArray("data");
                    WriteElements(writer, value);
                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var body = new byte[json.WrittenCount + binary.Sum(b => b.Length)];
        json.WrittenSpan.CopyTo(body);
        var offset = json.WrittenCount;
        foreach (var part in binary)
        {
            part.Span.CopyTo(body.AsSpan(offset));
            offset += part.Length;
        }

        return (body, json.WrittenCount);
    }

    private static void WriteElements(Utf8JsonWriter writer, TensorValue value)
    {
        var span = value.Data.Span;
        var size = TensorValue.SizeOf(value.ElementType);
        for (var offset = 0; offset < span.Length; offset += size)
        {
            var e = span[offset..];
            switch (value.ElementType)
            {
                case TensorDataType.Bool: writer.WriteBooleanValue(e[0] != 0); break;
                case TensorDataType.UInt8: writer.WriteNumberValue(e[0]); break;
                case TensorDataType.Int8: writer.WriteNumberValue((sbyte)e[0]); break;
                case TensorDataType.Int16: writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(e)); break;
                case TensorDataType.Int32: writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(e)); break;
                case TensorDataType.Int64: writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(e)); break;
                case TensorDataType.Float16: writer.WriteNumberValue((float)BinaryPrimitives.ReadHalfLittleEndian(e)); break;
                case TensorDataType.BFloat16: writer.WriteNumberValue(BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(e) << 16)); break;
                case TensorDataType.Float32: writer.WriteNumberValue(BinaryPrimitives.ReadSingleLittleEndian(e)); break;
                case TensorDataType.Float64: writer.WriteNumberValue(BinaryPrimitives.ReadDoubleLittleEndian(e)); break;
                default: throw new InvalidOperationException($"{value.ElementType} has no JSON form.");
            }
        }
    }
}
