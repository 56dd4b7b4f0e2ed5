namespace GpuPool;

/// <summary>The name, element type and shape of a model input or output; -1 marks a dynamic dimension.</summary>
public sealed record TensorInfo(string Name, TensorDataType ElementType, IReadOnlyList<long> Shape)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name}: {ElementType}[{string.Join(",", Shape)}]";
}
