using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using OrtType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// Outputs of one ONNX session written into memory the caller named (<see cref="TargetedRunInputs"/>). When every
/// output of the model has a target and a shape known before the run — each dimension fixed in the model, or
/// symbolic with a name an input of this run has too (ONNX: one name, one value in a graph) — and fits its target,
/// ONNX Runtime writes the outputs there itself. Otherwise the run goes the usual way and each output with a target
/// is copied into it once, span to span (<see cref="OnnxTensors.CopyInto"/>).
/// </summary>
internal sealed class OnnxOutputTargets
{
    private readonly string[] _outputNames;
    private readonly NodeMetadata[] _outputs;
    private readonly (string Name, string[] Symbols)[] _inputs;

    public OnnxOutputTargets(InferenceSession session, string[] outputNames)
    {
        _outputNames = outputNames;
        _outputs = [.. outputNames.Select(name => session.OutputMetadata[name])];
        _inputs = [.. session.InputMetadata.Select(kv => (kv.Key, kv.Value.SymbolicDimensions ?? []))];
    }

    /// <summary>
    /// Runs with every output written by ONNX Runtime into its target, or returns <see langword="null"/> without
    /// running when that cannot be arranged, or when ONNX Runtime refused the run (a shape guessed wrong, or a bad
    /// input): the caller then runs the usual way, which reports a bad input as usual.
    /// </summary>
    public IReadOnlyDictionary<string, TensorValue>? TryRunInto(
        InferenceSession session, RunOptions options, string[] inputNames, OrtValue[] inputValues, IReadOnlyDictionary<string, TensorValue> inputs, IReadOnlyDictionary<string, Memory<byte>> targets)
    {
        var shapes = new long[_outputs.Length][];
        var sizes = new long[_outputs.Length];
        for (var i = 0; i < _outputs.Length; i++)
        {
            if (!targets.TryGetValue(_outputNames[i], out var target) || !TryShape(_outputs[i], inputs, out shapes[i], out sizes[i]) || sizes[i] > target.Length)
            {
                return null;
            }
        }

        var values = new OrtValue[_outputs.Length];
        var pins = new MemoryHandle[_outputs.Length];
        var made = 0;
        try
        {
            for (; made < values.Length; made++)
            {
                pins[made] = targets[_outputNames[made]].Pin();
                unsafe
                {
                    values[made] = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, _outputs[made].ElementDataType, shapes[made], (nint)pins[made].Pointer, sizes[made]);
                }
            }

            try
            {
                session.Run(options, inputNames, inputValues, _outputNames, values);
            }
            catch (OnnxRuntimeException)
            {
                return null;
            }

            var outputs = new Dictionary<string, TensorValue>(_outputNames.Length, StringComparer.Ordinal);
            for (var i = 0; i < _outputNames.Length; i++)
            {
                var memory = targets[_outputNames[i]][..(int)sizes[i]];
                outputs.Add(_outputNames[i], new TensorValue(OnnxTypes.ToPool(_outputs[i].ElementDataType), shapes[i], memory));
            }

            return outputs;
        }
        finally
        {
            OnnxTensors.Release(values, made, pins);
        }
    }

    /// <summary>An output of the usual run: copied once into its target when it has one that holds it, else as usual.</summary>
    public static TensorValue ToPool(string name, OrtValue value, IReadOnlyDictionary<string, Memory<byte>>? targets) =>
        targets is not null && targets.TryGetValue(name, out var target) && OnnxTensors.CopyInto(value, target) is { } copied
            ? copied
            : OnnxTensors.ToPool(value);

    private bool TryShape(NodeMetadata output, IReadOnlyDictionary<string, TensorValue> inputs, out long[] shape, out long bytes)
    {
        shape = new long[output.Dimensions.Length];
        bytes = 0;
        var elementSize = output.IsTensor && output.ElementDataType != OrtType.String ? TensorValue.SizeOf(OnnxTypes.ToPool(output.ElementDataType)) : 0;
        if (elementSize == 0)
        {
            return false;
        }

        long count = 1;
        for (var d = 0; d < shape.Length; d++)
        {
            var dim = output.Dimensions[d] >= 0 ? output.Dimensions[d] : Resolve(output.SymbolicDimensions?.ElementAtOrDefault(d), inputs);
            if (dim < 0 || (dim > 0 && count > long.MaxValue / elementSize / dim))
            {
                return false;
            }

            shape[d] = dim;
            count *= dim;
        }

        bytes = count * elementSize;
        return bytes > 0;
    }

    /// <summary>The value the inputs of this run give the symbolic dimension <paramref name="symbol"/>, or -1.</summary>
    private long Resolve(string? symbol, IReadOnlyDictionary<string, TensorValue> inputs)
    {
        if (string.IsNullOrEmpty(symbol))
        {
            return -1;
        }

        foreach (var (name, symbols) in _inputs)
        {
            var d = Array.IndexOf(symbols, symbol);
            if (d >= 0 && inputs.TryGetValue(name, out var input) && d < input.Shape.Count)
            {
                return input.Shape[d];
            }
        }

        return -1;
    }
}
