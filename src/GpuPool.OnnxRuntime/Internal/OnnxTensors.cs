using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// Tensors between GpuPool and ONNX Runtime: numeric inputs over their own pinned bytes, outputs by one copy, string ones element by
/// element through ONNX Runtime's string tensor API (UTF-8 bytes both ways, so any bytes survive).
/// </summary>
internal static class OnnxTensors
{
    /// <summary>
    /// The tensor as an ONNX Runtime value the caller disposes (and then <paramref name="pin"/>). A numeric
    /// tensor is wrapped over its own pinned bytes without a copy: ONNX Runtime only reads inputs, during the
    /// run. An empty tensor gets an allocated value (there is no memory to point at); a string tensor is
    /// copied element by element into ONNX Runtime's string tensor.
    /// </summary>
    public static OrtValue Wrap(TensorValue tensor, out MemoryHandle pin)
    {
        pin = default;
        long[] shape = [.. tensor.Shape];
        if (tensor.ElementType == TensorDataType.String)
        {
            return CopyStrings(tensor, shape);
        }

        var type = OnnxTypes.ToOrt(tensor.ElementType);
        if (tensor.Data.IsEmpty)
        {
            return OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, shape);
        }

        pin = tensor.Data.Pin();
        unsafe
        {
            return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, type, shape, (nint)pin.Pointer, tensor.Data.Length);
        }
    }

    /// <summary>An ONNX Runtime output copied into a tensor.</summary>
    public static TensorValue ToPool(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var type = OnnxTypes.ToPool(info.ElementDataType);
        if (type != TensorDataType.String)
        {
            return new TensorValue(type, info.Shape, value.GetTensorDataAsSpan<byte>().ToArray());
        }

        var elements = new ReadOnlyMemory<byte>[info.ElementCount];
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = value.GetStringElementAsSpan(i).ToArray();
        }

        return TensorValue.FromByteStrings(elements, info.Shape);
    }

    /// <summary>
    /// A numeric ONNX Runtime output copied once into <paramref name="target"/> (no intermediate array), as a tensor
    /// over it; <see langword="null"/> for a string output or one that does not fit.
    /// </summary>
    public static TensorValue? CopyInto(OrtValue value, Memory<byte> target)
    {
        var info = value.GetTensorTypeAndShape();
        var type = OnnxTypes.ToPool(info.ElementDataType);
        if (type == TensorDataType.String)
        {
            return null;
        }

        var bytes = value.GetTensorDataAsSpan<byte>();
        if (bytes.Length > target.Length)
        {
            return null;
        }

        bytes.CopyTo(target.Span);
        return new TensorValue(type, info.Shape, target[..bytes.Length]);
    }

    private static OrtValue CopyStrings(TensorValue tensor, long[] shape)
    {
        var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        try
        {
            var elements = tensor.ToByteStrings();
            for (var i = 0; i < elements.Count; i++)
            {
                strings.StringTensorSetElementAt(elements[i].Span, i);
            }

            return strings;
        }
        catch
        {
            strings.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Releases the first <paramref name="made"/> values made for a run and every pin that kept a tensor's managed
    /// memory in place (also one taken by a <see cref="Wrap"/> that then failed: an unset pin disposes as a no-op).
    /// </summary>
    public static void Release(OrtValue[] values, int made, MemoryHandle[] pins)
    {
        for (var i = 0; i < made; i++)
        {
            values[i].Dispose();
        }

        foreach (var pin in pins)
        {
            pin.Dispose();
        }
    }
}
