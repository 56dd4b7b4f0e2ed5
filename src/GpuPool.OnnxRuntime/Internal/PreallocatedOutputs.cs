using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// A model's outputs as ONNX Runtime values over pinned arrays, made with the shapes a run gave and handed to the next
/// runs of the same input shapes, so that ONNX Runtime writes the outputs there instead of allocating them and the pool
/// asks nothing of them afterwards (~1.5 µs of a 23 µs run). ONNX Runtime checks each pre-allocated output's shape
/// against the one it computes and refuses the run when they differ (an output whose shape depends on the inputs'
/// values); <see cref="OnnxModelInstance"/> then runs the usual way. Each run copies the outputs into arrays of its
/// own, so the caller owns what it gets, as from a usual run.
/// </summary>
/// <remarks>
/// One run uses them at a time (they belong to an <see cref="OnnxInputBinding"/>). Only numeric tensors of
/// <see cref="MaxBytes"/> in all are kept: larger outputs gain nothing measurable and would hold memory per binding.
/// </remarks>
internal sealed class PreallocatedOutputs : IDisposable
{
    /// <summary>The most bytes a model's outputs may have together to be pre-allocated (per binding).</summary>
    public const int MaxBytes = 64 * 1024;

    private readonly TensorDataType[] _types;
    private readonly long[][] _shapes;
    private readonly byte[][] _buffers;

    private PreallocatedOutputs(TensorDataType[] types, long[][] shapes, byte[][] buffers, OrtValue[] values)
    {
        _types = types;
        _shapes = shapes;
        _buffers = buffers;
        Values = values;
    }

    /// <summary>The values ONNX Runtime writes into, in the model's declared output order.</summary>
    public OrtValue[] Values { get; }

    /// <summary>
    /// Values shaped as <paramref name="outputs"/> (a usual run's, read by <see cref="OnnxTensors.ToPool"/>), or
    /// <see langword="null"/> when an output is a string tensor, empty, or they are too large together (or ONNX Runtime
    /// could not make a value).
    /// </summary>
    public static PreallocatedOutputs? TryCreate(TensorValue[] outputs)
    {
        long total = 0;
        foreach (var output in outputs)
        {
            if (output.ElementType == TensorDataType.String || output.Data.IsEmpty)
            {
                return null;
            }

            total += output.Data.Length;
        }

        if (total > MaxBytes)
        {
            return null;
        }

        var types = new TensorDataType[outputs.Length];
        var shapes = new long[outputs.Length][];
        var buffers = new byte[outputs.Length][];
        var values = new OrtValue[outputs.Length];
        var made = 0;
        try
        {
            for (; made < outputs.Length; made++)
            {
                types[made] = outputs[made].ElementType;
                shapes[made] = [.. outputs[made].Shape];
                // On the pinned object heap: the address handed to ONNX Runtime stays valid for the values' life.
                buffers[made] = GC.AllocateUninitializedArray<byte>(outputs[made].Data.Length, pinned: true);
                values[made] = OrtValue.CreateTensorValueWithData(
                    OrtMemoryInfo.DefaultInstance, OnnxTypes.ToOrt(types[made]), shapes[made], Marshal.UnsafeAddrOfPinnedArrayElement(buffers[made], 0), buffers[made].Length);
            }
        }
        catch (OnnxRuntimeException)
        {
            // Not made (ONNX Runtime out of memory): the runs go the usual way; this one has its outputs already.
            for (var i = 0; i < made; i++)
            {
                values[i].Dispose();
            }

            return null;
        }

        return new PreallocatedOutputs(types, shapes, buffers, values);
    }

    /// <summary>The outputs of a run that wrote into <see cref="Values"/>, each copied into a new array.</summary>
    public TensorValue[] Read()
    {
        var outputs = new TensorValue[_buffers.Length];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = new TensorValue(_types[i], _shapes[i], _buffers[i].AsSpan().ToArray());
        }

        return outputs;
    }

    public void Dispose()
    {
        foreach (var value in Values)
        {
            value.Dispose();
        }
    }
}
