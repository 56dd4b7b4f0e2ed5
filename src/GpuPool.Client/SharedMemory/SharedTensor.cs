namespace GpuPool;

/// <summary>
/// A tensor in a <see cref="SharedMemoryRegion"/>, named by region, offset and length instead of sent by value.
/// As an input it is <see cref="ByteSize"/> bytes of <see cref="ElementType"/> with <see cref="Shape"/>; as an output
/// it is where the server writes the output, in at most <see cref="ByteSize"/> bytes (type and shape come back with the result).
/// Create one with <see cref="SharedMemoryRegion.Input"/>, <see cref="SharedMemoryRegion.Write"/> or <see cref="SharedMemoryRegion.Output"/>.
/// </summary>
public sealed record SharedTensor
{
    internal SharedTensor(SharedMemoryRegion region, long offset, long byteSize, TensorDataType elementType, IReadOnlyList<long> shape)
    {
        Region = region;
        Offset = offset;
        ByteSize = byteSize;
        ElementType = elementType;
        Shape = shape;
    }

    /// <summary>The region that holds the tensor.</summary>
    public SharedMemoryRegion Region { get; }

    /// <summary>Where the tensor starts in the region, in bytes.</summary>
    public long Offset { get; }

    /// <summary>The tensor's length (an input) or the room for it (an output), in bytes.</summary>
    public long ByteSize { get; }

    /// <summary>An input's element type; <see cref="TensorDataType.Unknown"/> for an output.</summary>
    public TensorDataType ElementType { get; }

    /// <summary>An input's dimensions; empty for an output.</summary>
    public IReadOnlyList<long> Shape { get; }
}
