using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// Tensors between GpuPool and ONNX Runtime: numeric ones by one copy of their bytes, string ones element by
/// element through ONNX Runtime's string tensor API (UTF-8 bytes both ways, so any bytes survive).
/// </summary>
internal static class OnnxTensors
{
    /// <summary>A new ONNX Runtime tensor holding a copy of <paramref name="tensor"/>; the caller disposes it.</summary>
    public static OrtValue ToOrt(TensorValue tensor)
    {
        long[] shape = [.. tensor.Shape];
        if (tensor.ElementType == TensorDataType.String)
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

        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, OnnxTypes.ToOrt(tensor.ElementType), shape);
        tensor.Data.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
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
}
