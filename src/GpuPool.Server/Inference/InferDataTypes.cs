namespace GpuPool.Server.Inference;

/// <summary>The protocol's datatype names and the engine's element types they stand for.</summary>
internal static class InferDataTypes
{
    public const string Bytes = "BYTES";

    /// <summary>Every datatype the protocol defines.</summary>
    public static readonly IReadOnlyList<string> All = ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BF16", Bytes];

    /// <summary>The element type of a datatype this server can run; false for unknown names.</summary>
    public static bool TryParse(string name, out TensorDataType type)
    {
        type = name switch
        {
            "BOOL" => TensorDataType.Bool,
            "UINT8" => TensorDataType.UInt8,
            "UINT16" => TensorDataType.UInt16,
            "UINT32" => TensorDataType.UInt32,
            "UINT64" => TensorDataType.UInt64,
            "INT8" => TensorDataType.Int8,
            "INT16" => TensorDataType.Int16,
            "INT32" => TensorDataType.Int32,
            "INT64" => TensorDataType.Int64,
            "FP16" => TensorDataType.Float16,
            "BF16" => TensorDataType.BFloat16,
            "FP32" => TensorDataType.Float32,
            "FP64" => TensorDataType.Float64,
            Bytes => TensorDataType.String,
            _ => TensorDataType.Unknown,
        };
        return type != TensorDataType.Unknown;
    }

    /// <summary>The datatype for an element type.</summary>
    public static string NameOf(TensorDataType type) => type switch
    {
        TensorDataType.Bool => "BOOL",
        TensorDataType.UInt8 => "UINT8",
        TensorDataType.UInt16 => "UINT16",
        TensorDataType.UInt32 => "UINT32",
        TensorDataType.UInt64 => "UINT64",
        TensorDataType.Int8 => "INT8",
        TensorDataType.Int16 => "INT16",
        TensorDataType.Int32 => "INT32",
        TensorDataType.Int64 => "INT64",
        TensorDataType.Float16 => "FP16",
        TensorDataType.BFloat16 => "BF16",
        TensorDataType.Float32 => "FP32",
        TensorDataType.Float64 => "FP64",
        TensorDataType.String => Bytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No protocol datatype."),
    };

    /// <summary>Resolves a request's datatype, with an error naming what is wrong.</summary>
    /// <exception cref="InvalidPoolRequestException">The protocol does not define the name.</exception>
    public static TensorDataType Parse(string input, string name) => TryParse(name, out var type)
        ? type
        : throw new InvalidPoolRequestException($"Input '{input}' has datatype '{Shorten(name)}', which the protocol does not define ({string.Join(", ", All)}).");

    /// <summary>A BYTES tensor over its raw form (each element a 4-byte little-endian length, then its bytes), checked against the shape.</summary>
    /// <exception cref="InvalidPoolRequestException">A length prefix lies, or the element count does not match the shape (the message names the input).</exception>
    public static TensorValue BytesTensor(string input, long[] shape, ReadOnlyMemory<byte> raw)
    {
        try
        {
            return new TensorValue(TensorDataType.String, shape, raw);
        }
        catch (InvalidPoolRequestException ex)
        {
            throw new InvalidPoolRequestException($"Input '{input}' (BYTES [{string.Join(",", shape)}]): {ex.Message}", innerException: ex);
        }
    }

    /// <summary>The least bytes an element of <paramref name="type"/> takes: a BYTES element at least its 4-byte length.</summary>
    public static int MinElementBytes(TensorDataType type) => type == TensorDataType.String ? 4 : TensorValue.SizeOf(type);

    /// <summary>Checks a shape and returns its element count; the tensor may not pass <paramref name="maxBytes"/>.</summary>
    public static long CountElements(string input, IReadOnlyList<long> shape, int elementSize, long maxBytes)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new InvalidPoolRequestException($"Input '{input}' has a negative dimension in shape [{string.Join(",", shape)}].");
            }

            if (dim > 0 && count > maxBytes / Math.Max(1, elementSize) / dim)
            {
                throw new InvalidPoolRequestException($"Input '{input}' of shape [{string.Join(",", shape)}] is larger than this server's limit of {ByteSize.Format(maxBytes)} per tensor.");
            }

            count *= dim;
        }

        return count;
    }

    private static string Shorten(string value) => value.Length > 32 ? value[..32] + "…" : value;
}
