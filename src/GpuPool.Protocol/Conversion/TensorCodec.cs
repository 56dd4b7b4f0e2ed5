using Google.Protobuf;
using Google.Protobuf.Collections;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Protocol.Conversion;

/// <summary>
/// Tensors to and from their <c>gpupool.v1</c> messages: the one tensor codec. The wire uses it through
/// <see cref="WireFormat"/>, and GpuPool.Runtime's worker protocol uses it too, so both read tensors the same way.
/// </summary>
internal static class TensorCodec
{
    /// <summary>A tensor to its message, without copying the elements.</summary>
    public static V1.Tensor ToMessage(TensorValue tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var message = new V1.Tensor
        {
            ElementType = (V1.TensorElementType)tensor.ElementType,
            Data = UnsafeByteOperations.UnsafeWrap(tensor.Data),
        };
        foreach (var dim in tensor.Shape)
        {
            message.Shape.Add(dim);
        }

        return message;
    }

    /// <summary>A tensor message to a tensor over the message's bytes (no copy).</summary>
    /// <exception cref="InvalidPoolRequestException">The element type is unknown or the data does not match the shape.</exception>
    public static TensorValue FromMessage(V1.Tensor message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Enum.IsDefined((TensorDataType)message.ElementType) || message.ElementType == V1.TensorElementType.Unspecified)
        {
            throw new InvalidPoolRequestException($"Tensor element type {(int)message.ElementType} is not supported.");
        }

        Span<long> shape = message.Shape.Count <= 16 ? stackalloc long[message.Shape.Count] : new long[message.Shape.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = message.Shape[i];
        }

        return new TensorValue((TensorDataType)message.ElementType, shape, message.Data.Memory);
    }

    /// <summary>A named tensor message to a tensor; a malformed one is reported with its name.</summary>
    /// <exception cref="InvalidPoolRequestException">The tensor is malformed (the message names it).</exception>
    public static TensorValue FromMessage(string name, V1.Tensor message)
    {
        try
        {
            return FromMessage(message);
        }
        catch (InvalidPoolRequestException ex)
        {
            throw new InvalidPoolRequestException($"Tensor '{name}': {ex.Message}", innerException: ex);
        }
    }

    /// <summary>Named tensors into a message map.</summary>
    public static void ToMessages(IReadOnlyDictionary<string, TensorValue> tensors, MapField<string, V1.Tensor> target)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(target);
        foreach (var (name, value) in tensors)
        {
            target[name] = ToMessage(value);
        }
    }

    /// <summary>A message map to named tensors.</summary>
    /// <exception cref="InvalidPoolRequestException">A tensor is malformed (the message names it).</exception>
    public static Dictionary<string, TensorValue> FromMessages(MapField<string, V1.Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var result = new Dictionary<string, TensorValue>(tensors.Count, StringComparer.Ordinal);
        foreach (var (name, value) in tensors)
        {
            result[name] = FromMessage(name, value);
        }

        return result;
    }

    /// <summary>A tensor description to its message.</summary>
    public static V1.TensorInfo ToMessage(TensorInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var message = new V1.TensorInfo { Name = info.Name, ElementType = (V1.TensorElementType)info.ElementType };
        message.Shape.AddRange(info.Shape);
        return message;
    }

    /// <summary>A tensor description message to the engine's type.</summary>
    public static TensorInfo FromMessage(V1.TensorInfo message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new TensorInfo(message.Name, (TensorDataType)message.ElementType, [.. message.Shape]);
    }
}
