using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// Copies a session's outputs into tensors. An output the model declares with a fixed shape is read with one query of
/// ONNX Runtime (its bytes), taking the declared shape when the bytes are as many as it needs; any other output is
/// asked for its type and shape first (<see cref="OnnxTensors.ToPool"/>).
/// </summary>
internal sealed class OnnxOutputReader
{
    private readonly TensorDataType[] _types;
    private readonly long[]?[] _fixedShapes;
    private readonly long[] _fixedBytes;

    public OnnxOutputReader(IReadOnlyList<TensorInfo> outputs)
    {
        _types = new TensorDataType[outputs.Count];
        _fixedShapes = new long[]?[outputs.Count];
        _fixedBytes = new long[outputs.Count];
        for (var i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i];
            _types[i] = output.ElementType;
            var size = TensorValue.SizeOf(output.ElementType);
            if (output.ElementType != TensorDataType.String && size > 0 && output.Shape.All(d => d >= 0))
            {
                _fixedShapes[i] = [.. output.Shape];
                _fixedBytes[i] = TensorValue.CountElements([.. output.Shape]) * size;
            }
        }
    }

    /// <summary>The output at <paramref name="index"/> (in the session's output order) as a tensor of its own bytes.</summary>
    public TensorValue Read(int index, OrtValue value)
    {
        if (_fixedShapes[index] is { } shape && value.IsTensor)
        {
            var bytes = value.GetTensorDataAsSpan<byte>();
            if (bytes.Length == _fixedBytes[index])
            {
                return new TensorValue(_types[index], shape, bytes.ToArray());
            }
        }

        return OnnxTensors.ToPool(value);
    }
}
