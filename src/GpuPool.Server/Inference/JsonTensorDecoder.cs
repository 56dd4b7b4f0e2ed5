using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace GpuPool.Server.Inference;

/// <summary>
/// Reads an HTTP inference request: the JSON header (<c>inputs</c> with <c>data</c>, flat or nested) and,
/// with the binary tensor extension, the bytes after it for inputs that carry <c>binary_data_size</c>.
/// </summary>
internal static class JsonTensorDecoder
{
    public static JsonInferRequest Decode(ReadOnlyMemory<byte> body, int headerLength, long maxTensorBytes)
    {
        if (headerLength < 0 || headerLength > body.Length)
        {
            throw new InvalidPoolRequestException($"Inference-Header-Content-Length is {headerLength} but the body has {body.Length} bytes.");
        }

        using var document = Parse(body[..headerLength]);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
        {
            throw new InvalidPoolRequestException("The request must be a JSON object with a non-empty 'inputs' array.");
        }

        var binary = body[headerLength..];
        var values = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var input in inputs.EnumerateArray())
        {
            var name = String(input, "name") ?? throw new InvalidPoolRequestException("Every input needs a 'name'.");
            var value = DecodeInput(input, name, ref binary, maxTensorBytes);
            if (!values.TryAdd(name, value))
            {
                throw new InvalidPoolRequestException($"Input '{name}' appears more than once.");
            }
        }

        if (!binary.IsEmpty)
        {
            throw new InvalidPoolRequestException($"{binary.Length} byte(s) of binary data follow the inputs that no input's binary_data_size accounts for.");
        }

        var outputs = new List<string>();
        var binaryOutputs = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("outputs", out var requested) && requested.ValueKind == JsonValueKind.Array)
        {
            foreach (var output in requested.EnumerateArray())
            {
                var name = String(output, "name") ?? throw new InvalidPoolRequestException("Every requested output needs a 'name'.");
                outputs.Add(name);
                if (Parameter(output, "binary_data") is { ValueKind: JsonValueKind.True })
                {
                    binaryOutputs.Add(name);
                }
            }
        }

        var allBinary = Parameter(root, "binary_data_output") is { ValueKind: JsonValueKind.True };
        return new JsonInferRequest(String(root, "id") ?? "", values, outputs, binaryOutputs, allBinary);
    }

    private static TensorValue DecodeInput(JsonElement input, string name, ref ReadOnlyMemory<byte> binary, long maxTensorBytes)
    {
        var datatype = String(input, "datatype") ?? throw new InvalidPoolRequestException($"Input '{name}' needs a 'datatype'.");
        if (!input.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidPoolRequestException($"Input '{name}' needs a 'shape' array.");
        }

        var shape = shapeJson.EnumerateArray().Select(d => d.TryGetInt64(out var v) ? v : throw new InvalidPoolRequestException($"Input '{name}': shape entries must be integers.")).ToArray();
        if (Parameter(input, "binary_data_size") is { } sizeJson)
        {
            if (!sizeJson.TryGetInt64(out var size) || size < 0 || size > binary.Length)
            {
                throw new InvalidPoolRequestException($"Input '{name}': binary_data_size {sizeJson.GetRawText()} is not within the {binary.Length} byte(s) of binary data left.");
            }

            var bytes = binary[..(int)size];
            binary = binary[(int)size..];
            return FromBinary(name, datatype, shape, bytes, maxTensorBytes);
        }

        if (!input.TryGetProperty("data", out var data))
        {
            throw new InvalidPoolRequestException($"Input '{name}' has neither 'data' nor a binary_data_size parameter.");
        }

        var elements = new List<JsonElement>();
        Flatten(data, elements, maxTensorBytes);
        var type = InferDataTypes.Parse(name, datatype);
        var count = InferDataTypes.CountElements(name, shape, InferDataTypes.MinElementBytes(type), maxTensorBytes);
        if (elements.Count != count)
        {
            throw new InvalidPoolRequestException($"Input '{name}' ({datatype} [{string.Join(",", shape)}]) needs {count} elements in 'data'; got {elements.Count}.");
        }

        return type == TensorDataType.String
            ? TensorValue.FromByteStrings([.. elements.Select(e => e.ValueKind == JsonValueKind.String ? (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(e.GetString()!) : throw Bad(name, e, "a string"))], shape)
            : new TensorValue(type, shape, ToBytes(name, type, elements));
    }

    private static TensorValue FromBinary(string name, string datatype, long[] shape, ReadOnlyMemory<byte> bytes, long maxTensorBytes)
    {
        var type = InferDataTypes.Parse(name, datatype);
        if (type == TensorDataType.String)
        {
            InferDataTypes.CountElements(name, shape, InferDataTypes.MinElementBytes(type), maxTensorBytes);
            return InferDataTypes.BytesTensor(name, shape, bytes);
        }

        var size = TensorValue.SizeOf(type);
        var count = InferDataTypes.CountElements(name, shape, size, maxTensorBytes);
        if (bytes.Length != count * size)
        {
            throw new InvalidPoolRequestException($"Input '{name}' ({datatype} [{string.Join(",", shape)}]) needs {count * size} bytes of binary data; binary_data_size is {bytes.Length}.");
        }

        return new TensorValue(type, shape, bytes);
    }

    private static byte[] ToBytes(string name, TensorDataType type, List<JsonElement> elements)
    {
        var bytes = new byte[elements.Count * TensorValue.SizeOf(type)];
        var span = bytes.AsSpan();
        for (var i = 0; i < elements.Count; i++)
        {
            var e = elements[i];
            switch (type)
            {
                case TensorDataType.Bool: span[i] = e.ValueKind switch { JsonValueKind.True => 1, JsonValueKind.False => 0, _ => throw Bad(name, e, "true or false") }; break;
                case TensorDataType.UInt8: span[i] = e.TryGetByte(out var u8) ? u8 : throw Bad(name, e, "an integer 0..255"); break;
                case TensorDataType.Int8: MemoryMarshal.Cast<byte, sbyte>(span)[i] = e.TryGetSByte(out var i8) ? i8 : throw Bad(name, e, "an integer -128..127"); break;
                case TensorDataType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(span[(i * 2)..], e.TryGetUInt16(out var u16) ? u16 : throw Bad(name, e, "a UINT16")); break;
                case TensorDataType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(span[(i * 4)..], e.TryGetUInt32(out var u32) ? u32 : throw Bad(name, e, "a UINT32")); break;
                case TensorDataType.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(span[(i * 8)..], e.TryGetUInt64(out var u64) ? u64 : throw Bad(name, e, "a UINT64")); break;
                case TensorDataType.Int16: BinaryPrimitives.WriteInt16LittleEndian(span[(i * 2)..], e.TryGetInt16(out var i16) ? i16 : throw Bad(name, e, "an INT16")); break;
                case TensorDataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], e.TryGetInt32(out var i32) ? i32 : throw Bad(name, e, "an INT32")); break;
                case TensorDataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], e.TryGetInt64(out var i64) ? i64 : throw Bad(name, e, "an INT64")); break;
                case TensorDataType.Float16: BinaryPrimitives.WriteHalfLittleEndian(span[(i * 2)..], (Half)Number(name, e)); break;
                case TensorDataType.BFloat16: BinaryPrimitives.WriteUInt16LittleEndian(span[(i * 2)..], (ushort)(BitConverter.SingleToUInt32Bits((float)Number(name, e)) >> 16)); break;
                case TensorDataType.Float32: BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], (float)Number(name, e)); break;
                case TensorDataType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], Number(name, e)); break;
                default: throw new InvalidPoolRequestException($"Input '{name}': {type} cannot be read from JSON.");
            }
        }

        return bytes;
    }

    private static double Number(string name, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetDouble(out var d) => d,
        // JSON has no NaN or infinities; these are the names System.Text.Json and Python's json use.
        JsonValueKind.String => e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ => throw Bad(name, e, "a number"),
        },
        _ => throw Bad(name, e, "a number"),
    };

    private static InvalidPoolRequestException Bad(string name, JsonElement e, string expected)
    {
        var text = e.GetRawText();
        return new InvalidPoolRequestException($"Input '{name}': data element {(text.Length > 32 ? text[..32] + "…" : text)} is not {expected}.");
    }

    private static void Flatten(JsonElement data, List<JsonElement> into, long maxElements)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            into.Add(data);
            return;
        }

        foreach (var item in data.EnumerateArray())
        {
            Flatten(item, into, maxElements);
            if (into.Count > maxElements)
            {
                throw new InvalidPoolRequestException($"'data' has more than {maxElements} elements.");
            }
        }
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new InvalidPoolRequestException($"The request is not valid JSON: {ex.Message}");
        }
    }

    private static string? String(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement? Parameter(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
        && parameters.TryGetProperty(name, out var value) ? value : null;
}
