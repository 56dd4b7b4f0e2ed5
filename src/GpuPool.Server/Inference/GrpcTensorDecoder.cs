using System.Runtime.InteropServices;
using Google.Protobuf;
using GpuPool.Server.Inference.Wire;

namespace GpuPool.Server.Inference;

/// <summary>
/// Reads the inputs of a gRPC ModelInferRequest: all of them as <c>raw_input_contents</c> (one entry per
/// input, in order) or all as typed <c>contents</c>, never mixed; sizes are checked against the shape
/// before anything is allocated.
/// </summary>
internal static class GrpcTensorDecoder
{
    public static Dictionary<string, TensorValue> Decode(ModelInferRequest request, long maxTensorBytes)
    {
        if (request.Inputs.Count == 0)
        {
            throw new InvalidPoolRequestException("The request has no inputs.");
        }

        var raw = request.RawInputContents.Count > 0;
        if (raw && request.RawInputContents.Count != request.Inputs.Count)
        {
            throw new InvalidPoolRequestException($"raw_input_contents has {request.RawInputContents.Count} entries for {request.Inputs.Count} inputs: send one per input, or none and typed contents for all.");
        }

        var inputs = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            if (raw && input.Contents is { } mixed && HasElements(mixed))
            {
                throw new InvalidPoolRequestException($"Input '{input.Name}' has typed contents while the request uses raw_input_contents: use one form for all inputs.");
            }

            var value = raw ? FromRaw(input, request.RawInputContents[i], maxTensorBytes) : FromContents(input, maxTensorBytes);
            if (!inputs.TryAdd(input.Name, value))
            {
                throw new InvalidPoolRequestException($"Input '{input.Name}' appears more than once.");
            }
        }

        return inputs;
    }

    private static TensorValue FromRaw(ModelInferRequest.Types.InferInputTensor input, ByteString raw, long maxTensorBytes)
    {
        var type = InferDataTypes.Parse(input.Name, input.Datatype);
        if (type == TensorDataType.String)
        {
            InferDataTypes.CountElements(input.Name, input.Shape, InferDataTypes.MinElementBytes(type), maxTensorBytes);
            return InferDataTypes.BytesTensor(input.Name, [.. input.Shape], raw.Memory);
        }

        var size = TensorValue.SizeOf(type);
        var elements = InferDataTypes.CountElements(input.Name, input.Shape, size, maxTensorBytes);
        if (raw.Length != elements * size)
        {
            throw new InvalidPoolRequestException($"Input '{input.Name}' ({input.Datatype} [{string.Join(",", input.Shape)}]) needs {elements * size} raw bytes; got {raw.Length}.");
        }

        return new TensorValue(type, input.Shape.ToArray(), raw.Memory);
    }

    private static TensorValue FromContents(ModelInferRequest.Types.InferInputTensor input, long maxTensorBytes)
    {
        var contents = input.Contents ?? new InferTensorContents();
        var type = InferDataTypes.Parse(input.Name, input.Datatype);
        var elements = InferDataTypes.CountElements(input.Name, input.Shape, InferDataTypes.MinElementBytes(type), maxTensorBytes);
        var (field, count) = Field(type, contents);
        if (field is null)
        {
            throw new InvalidPoolRequestException($"Input '{input.Name}' is {input.Datatype}, which has no typed contents in the protocol: send it in raw_input_contents.");
        }

        if (count != elements || TotalElements(contents) != count)
        {
            throw new InvalidPoolRequestException(
                $"Input '{input.Name}' ({input.Datatype} [{string.Join(",", input.Shape)}]) needs {elements} elements in {field}; got {count}{(TotalElements(contents) != count ? $" (and {TotalElements(contents) - count} in other fields)" : "")}.");
        }

        var data = type switch
        {
            TensorDataType.Float32 => Bytes<float>([.. contents.Fp32Contents]),
            TensorDataType.Float64 => Bytes<double>([.. contents.Fp64Contents]),
            TensorDataType.Int64 => Bytes<long>([.. contents.Int64Contents]),
            TensorDataType.Int32 => Bytes<int>([.. contents.IntContents]),
            TensorDataType.Int16 => Bytes(contents.IntContents.Select(v => Narrow<short>(input.Name, v, short.MinValue, short.MaxValue)).ToArray()),
            TensorDataType.Int8 => Bytes(contents.IntContents.Select(v => Narrow<sbyte>(input.Name, v, sbyte.MinValue, sbyte.MaxValue)).ToArray()),
            TensorDataType.UInt64 => Bytes<ulong>([.. contents.Uint64Contents]),
            TensorDataType.UInt32 => Bytes<uint>([.. contents.UintContents]),
            TensorDataType.UInt16 => Bytes(contents.UintContents.Select(v => Narrow<ushort>(input.Name, v, ushort.MinValue, ushort.MaxValue)).ToArray()),
            TensorDataType.UInt8 => Bytes(contents.UintContents.Select(v => Narrow<byte>(input.Name, v, byte.MinValue, byte.MaxValue)).ToArray()),
            TensorDataType.Bool => contents.BoolContents.Select(b => b ? (byte)1 : (byte)0).ToArray(),
            TensorDataType.String => null,
            _ => throw new InvalidPoolRequestException($"Input '{input.Name}' is {input.Datatype}, which has no typed contents in the protocol: send it in raw_input_contents."),
        };
        return data is null
            ? TensorValue.FromByteStrings([.. contents.BytesContents.Select(b => b.Memory)], [.. input.Shape])
            : new TensorValue(type, input.Shape.ToArray(), data);
    }

    /// <summary>The typed field a datatype travels in and how many elements it holds; null for FP16/BF16.</summary>
    internal static (string? Field, long Count) Field(TensorDataType type, InferTensorContents contents) => type switch
    {
        TensorDataType.Float32 => ("fp32_contents", contents.Fp32Contents.Count),
        TensorDataType.Float64 => ("fp64_contents", contents.Fp64Contents.Count),
        TensorDataType.Int64 => ("int64_contents", contents.Int64Contents.Count),
        TensorDataType.Int32 or TensorDataType.Int16 or TensorDataType.Int8 => ("int_contents", contents.IntContents.Count),
        TensorDataType.UInt32 or TensorDataType.UInt16 or TensorDataType.UInt8 => ("uint_contents", contents.UintContents.Count),
        TensorDataType.UInt64 => ("uint64_contents", contents.Uint64Contents.Count),
        TensorDataType.String => ("bytes_contents", contents.BytesContents.Count),
        TensorDataType.Bool => ("bool_contents", contents.BoolContents.Count),
        _ => (null, 0),
    };

    private static long TotalElements(InferTensorContents c) =>
        (long)c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count + c.Uint64Contents.Count
        + c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count;

    private static bool HasElements(InferTensorContents contents) => TotalElements(contents) > 0;

    private static T Narrow<T>(string input, long value, long min, long max)
        where T : unmanaged
    {
        if (value < min || value > max)
        {
            throw new InvalidPoolRequestException($"Input '{input}': value {value} does not fit in {typeof(T).Name} ({min}..{max}).");
        }

        return (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Bytes<T>(T[] values)
        where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
