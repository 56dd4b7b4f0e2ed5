using System.Runtime.InteropServices;

namespace GpuPool;

/// <summary>
/// A dense tensor: element type, shape and the elements as little-endian bytes. The same value
/// travels in-process and over the wire, so embedded and remote runs see identical data.
/// </summary>
public sealed class TensorValue
{
    private readonly long[] _shape;
    private readonly long _stringCount;

    /// <summary>Creates a tensor over raw little-endian bytes.</summary>
    /// <exception cref="InvalidPoolRequestException">The data length does not match the shape and element type.</exception>
    public TensorValue(TensorDataType elementType, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data)
    {
        if (elementType == TensorDataType.String)
        {
            var elements = CountElements(shape);
            var found = StringTensorLayout.Count(data.Span);
            if (found != elements)
            {
                throw new InvalidPoolRequestException(
                    $"Tensor shape [{string.Join(",", shape.ToArray())}] of String needs {elements} elements; the data holds {found}.");
            }

            ElementType = elementType;
            _shape = shape.ToArray();
            Data = data;
            _stringCount = found;
            return;
        }

        var elementSize = SizeOf(elementType);
        if (elementSize == 0)
        {
            throw new InvalidPoolRequestException($"Tensor element type {elementType} is not supported.");
        }

        var count = CountElements(shape);
        // Compared by element count: count * elementSize can wrap around for a huge declared shape.
        if (data.Length % elementSize != 0 || count != data.Length / elementSize)
        {
            var needed = count <= long.MaxValue / elementSize ? (count * elementSize).ToString(System.Globalization.CultureInfo.InvariantCulture) : $"more than {long.MaxValue}";
            throw new InvalidPoolRequestException(
                $"Tensor shape [{string.Join(",", shape.ToArray())}] of {elementType} needs {needed} bytes; got {data.Length}.");
        }

        ElementType = elementType;
        _shape = shape.ToArray();
        Data = data;
    }

    /// <summary>The element type.</summary>
    public TensorDataType ElementType { get; }

    /// <summary>The dimensions.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The elements, little-endian, row-major (for <see cref="TensorDataType.String"/>, each length-prefixed).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount => ElementType == TensorDataType.String ? _stringCount : Data.Length / SizeOf(ElementType);

    /// <summary>A float tensor.</summary>
    public static TensorValue FromArray(float[] values, params long[] shape) => Create(TensorDataType.Float32, values, shape);

    /// <summary>A double tensor.</summary>
    public static TensorValue FromArray(double[] values, params long[] shape) => Create(TensorDataType.Float64, values, shape);

    /// <summary>An int32 tensor.</summary>
    public static TensorValue FromArray(int[] values, params long[] shape) => Create(TensorDataType.Int32, values, shape);

    /// <summary>An int64 tensor.</summary>
    public static TensorValue FromArray(long[] values, params long[] shape) => Create(TensorDataType.Int64, values, shape);

    /// <summary>A uint8 tensor.</summary>
    public static TensorValue FromArray(byte[] values, params long[] shape) => Create(TensorDataType.UInt8, values, shape);

    /// <summary>A bool tensor.</summary>
    public static TensorValue FromArray(bool[] values, params long[] shape) => Create(TensorDataType.Bool, values, shape);

    /// <summary>A uint16 tensor.</summary>
    public static TensorValue FromArray(ushort[] values, params long[] shape) => Create(TensorDataType.UInt16, values, shape);

    /// <summary>A uint32 tensor.</summary>
    public static TensorValue FromArray(uint[] values, params long[] shape) => Create(TensorDataType.UInt32, values, shape);

    /// <summary>A uint64 tensor.</summary>
    public static TensorValue FromArray(ulong[] values, params long[] shape) => Create(TensorDataType.UInt64, values, shape);

    /// <summary>A string tensor, each element UTF-8 encoded; without a shape, a vector of the values (a scalar for one value).</summary>
    public static TensorValue FromStrings(IReadOnlyList<string> values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var elements = new ReadOnlyMemory<byte>[values.Count];
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = System.Text.Encoding.UTF8.GetBytes(values[i] ?? throw new ArgumentException($"Element {i} is null.", nameof(values)));
        }

        return FromByteStrings(elements, shape);
    }

    /// <summary>A string tensor of raw byte strings (any bytes, as the Open Inference Protocol's BYTES); without a shape, a vector (a scalar for one value).</summary>
    public static TensorValue FromByteStrings(IReadOnlyList<ReadOnlyMemory<byte>> values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        return new TensorValue(TensorDataType.String, shape.Length == 0 && values.Count != 1 ? [values.Count] : shape, StringTensorLayout.Pack(values));
    }

    /// <summary>The elements of a string tensor, UTF-8 decoded.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not a string tensor.</exception>
    public string[] ToStrings() => [.. ToByteStrings().Select(e => System.Text.Encoding.UTF8.GetString(e.Span))];

    /// <summary>The elements of a string tensor as their bytes, over <see cref="Data"/> (no copy).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not a string tensor.</exception>
    public IReadOnlyList<ReadOnlyMemory<byte>> ToByteStrings() => ElementType == TensorDataType.String
        ? StringTensorLayout.Elements(Data, _stringCount)
        : throw new InvalidOperationException($"{ElementType} tensors have no string elements.");

    /// <summary>Copies the elements out as <typeparamref name="T"/> (which must match the element type's size).</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        if (Marshal.SizeOf<T>() != SizeOf(ElementType))
        {
            throw new InvalidOperationException($"Cannot read {ElementType} elements as {typeof(T).Name}.");
        }

        return MemoryMarshal.Cast<byte, T>(Data.Span).ToArray();
    }

    /// <summary>The elements viewed as <typeparamref name="T"/>, without copying.</summary>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(Data.Span);

    /// <summary>Bytes per element of <paramref name="elementType"/>, or 0 when unsupported or variable (<see cref="TensorDataType.String"/>).</summary>
    public static int SizeOf(TensorDataType elementType) => elementType switch
    {
        TensorDataType.Float32 or TensorDataType.Int32 or TensorDataType.UInt32 => 4,
        TensorDataType.Float64 or TensorDataType.Int64 or TensorDataType.UInt64 => 8,
        TensorDataType.Float16 or TensorDataType.BFloat16 or TensorDataType.Int16 or TensorDataType.UInt16 => 2,
        TensorDataType.Int8 or TensorDataType.UInt8 or TensorDataType.Bool => 1,
        _ => 0,
    };

    /// <summary>The number of elements of a shape.</summary>
    /// <exception cref="InvalidPoolRequestException">A dimension is negative or the count overflows.</exception>
    public static long CountElements(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new InvalidPoolRequestException($"Tensor dimension {dim} is negative.");
            }

            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                throw new InvalidPoolRequestException($"Tensor shape [{string.Join(",", shape.ToArray())}] is too large.");
            }
        }

        return count;
    }

    private static TensorValue Create<T>(TensorDataType type, T[] values, long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 && values.Length != 1)
        {
            shape = [values.Length];
        }

        return new TensorValue(type, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => $"{ElementType}[{string.Join(",", _shape)}]";
}
