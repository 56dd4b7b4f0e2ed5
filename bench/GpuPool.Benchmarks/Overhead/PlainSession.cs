using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using OrtType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace GpuPool.Benchmarks.Overhead;

/// <summary>
/// The baseline of the overhead benchmark: a plain <see cref="InferenceSession"/> with default options, as an
/// application would use it without a pool. Its inputs are made once (pinned, no copy per run); each run reads its
/// outputs into arrays, as the caller of a lease gets them.
/// </summary>
internal sealed class PlainSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly List<GCHandle> _pins = [];
    private readonly Dictionary<string, OrtValue> _inputs = new(StringComparer.Ordinal);
    private readonly string[] _outputNames;
    private readonly RunOptions _runOptions = new();
    private OrtValue[]? _outputs; // RunPreallocated's outputs, over pinned arrays made at its first run
    private byte[][]? _outputBytes;

    /// <param name="model">The model's bytes.</param>
    /// <param name="inputs">The inputs every run takes.</param>
    /// <param name="globalThreads">Run on ONNX Runtime's global thread pool (as the pool's sessions do) instead of threads of its own.</param>
    public PlainSession(byte[] model, IReadOnlyDictionary<string, TensorValue> inputs, bool globalThreads = false)
    {
        using (var options = new SessionOptions())
        {
            if (globalThreads)
            {
                options.DisablePerSessionThreads();
            }

            _session = new InferenceSession(model, options);
        }

        _outputNames = [.. _session.OutputMetadata.Keys];
        foreach (var (name, tensor) in inputs)
        {
            var bytes = tensor.Data.ToArray();
            var pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            _pins.Add(pin);
            _inputs.Add(name, OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, ToOrt(tensor.ElementType), [.. tensor.Shape], pin.AddrOfPinnedObject(), bytes.Length));
        }
    }

    /// <summary>One run; returns the total output bytes (so the copies cannot be optimised away).</summary>
    /// <param name="askShapes">Also ask each output's shape (what the pool does to return a tensor; the parts benchmark's <c>plain-shaped</c>).</param>
    public long Run(bool askShapes = false)
    {
        using var results = _session.Run(_runOptions, _inputs, _outputNames);
        long total = 0;
        foreach (var result in results)
        {
            if (askShapes)
            {
                total += result.GetTensorTypeAndShape().Shape.Length;
            }

            total += result.GetTensorDataAsSpan<byte>().ToArray().Length;
        }

        return total;
    }

    /// <summary>
    /// One run whose outputs ONNX Runtime writes into values made once, at the first such run, with the shapes that run
    /// gave (the parts benchmark's <c>plain-prealloc</c>); each run then copies them into new arrays, as <see cref="Run"/> does.
    /// </summary>
    public long RunPreallocated()
    {
        if (_outputs is null)
        {
            using var first = _session.Run(_runOptions, _inputs, _outputNames);
            _outputBytes = [.. first.Select(v => GC.AllocateArray<byte>(v.GetTensorDataAsSpan<byte>().Length, pinned: true))];
            _outputs = [.. first.Select((v, i) => CreateOver(_outputBytes[i], v))];
        }

        _session.Run(_runOptions, _inputs.Keys, _inputs.Values, _outputNames, _outputs);
        long total = 0;
        foreach (var bytes in _outputBytes!)
        {
            total += bytes.AsSpan().ToArray().Length;
        }

        return total;
    }

    private static OrtValue CreateOver(byte[] pinned, OrtValue like)
    {
        var info = like.GetTensorTypeAndShape();
        return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, info.ElementDataType, info.Shape, Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), pinned.Length);
    }

    public void Dispose()
    {
        foreach (var value in _outputs ?? [])
        {
            value.Dispose();
        }

        foreach (var value in _inputs.Values)
        {
            value.Dispose();
        }

        foreach (var pin in _pins)
        {
            pin.Free();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }

    private static OrtType ToOrt(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => OrtType.Float,
        TensorDataType.Int64 => OrtType.Int64,
        TensorDataType.Int32 => OrtType.Int32,
        _ => throw new NotSupportedException($"The overhead benchmark's models take no {type} inputs."),
    };
}
