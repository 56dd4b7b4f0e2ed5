using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

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
        if (value.ElementType == TensorDataType.String)
        {
            WriteStrings(writer, value);
            return;
        }

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
                case TensorDataType.UInt16: writer.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(e)); break;
                case TensorDataType.UInt32: writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(e)); break;
                case TensorDataType.UInt64: writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(e)); break;
                case TensorDataType.Int16: writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(e)); break;
                case TensorDataType.Int32: writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(e)); break;
                case TensorDataType.Int64: writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(e)); break;
                case TensorDataType.Float16: WriteFloat(writer, (double)BinaryPrimitives.ReadHalfLittleEndian(e), single: true); break;
                case TensorDataType.BFloat16: WriteFloat(writer, BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(e) << 16), single: true); break;
                case TensorDataType.Float32: WriteFloat(writer, BinaryPrimitives.ReadSingleLittleEndian(e), single: true); break;
                case TensorDataType.Float64: WriteFloat(writer, BinaryPrimitives.ReadDoubleLittleEndian(e), single: false); break;
                default: throw new InvalidOperationException($"{value.ElementType} has no JSON form.");
            }
        }
    }

    /// <summary>BYTES elements as JSON strings; bytes that are not UTF-8 have no JSON form (the binary extension carries them).</summary>
    private static void WriteStrings(Utf8JsonWriter writer, TensorValue value)
    {
        foreach (var element in value.ToByteStrings())
        {
            if (!Utf8.IsValid(element.Span))
            {
                throw new InvalidPoolRequestException("A BYTES output holds bytes that are not UTF-8, which JSON cannot carry: ask for it with the binary_data parameter.");
            }

            writer.WriteStringValue(element.Span);
        }
    }

    /// <summary>JSON has no NaN or infinities: they are written as the strings System.Text.Json reads back ("NaN", "Infinity", "-Infinity").</summary>
    private static void WriteFloat(Utf8JsonWriter writer, double value, bool single)
    {
        if (double.IsFinite(value))
        {
            if (single)
            {
                writer.WriteNumberValue((float)value);
            }
            else
            {
                writer.WriteNumberValue(value);
            }
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
