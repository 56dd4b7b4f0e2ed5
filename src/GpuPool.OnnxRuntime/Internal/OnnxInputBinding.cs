using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// A run's inputs as ONNX Runtime values, in the model's declared order, reused from run to run: a numeric input is
/// pinned for the run and the value made for it last time is used again when it describes the same memory (the
/// same address, length, type and shape: a caller that runs the same tensor again), so a repeated run creates and
/// releases no native value. A value is only read by ONNX Runtime during a run, while its memory is pinned; between
/// runs it points at memory that may have moved and is never used until a run pins a tensor at that address again.
/// </summary>
/// <remarks>One run uses a binding at a time (<see cref="OnnxModelInstance"/> keeps a few spare ones).</remarks>
internal sealed class OnnxInputBinding : IDisposable
{
    private readonly string[] _names;
    private readonly OrtValue[] _values;
    private readonly Dictionary<string, OrtValue> _byName;
    private readonly MemoryHandle[] _pins;
    private readonly bool[] _owned;
    private readonly OrtValue?[] _cached;
    private readonly OrtValue?[] _passed; // what _byName holds for each input
    private readonly nint[] _addresses;
    private readonly int[] _lengths;
    private readonly TensorDataType[] _types;
    private readonly long[][] _shapes;
    private readonly long[][] _lastShapes; // each input's shape in the last run, whatever its memory
    private int _bound;

    public OnnxInputBinding(string[] names)
    {
        _names = names;
        _values = new OrtValue[names.Length];
        _byName = new Dictionary<string, OrtValue>(names.Length, StringComparer.Ordinal);
        _pins = new MemoryHandle[names.Length];
        _owned = new bool[names.Length];
        _cached = new OrtValue?[names.Length];
        _passed = new OrtValue?[names.Length];
        _addresses = new nint[names.Length];
        _lengths = new int[names.Length];
        _types = new TensorDataType[names.Length];
        _shapes = new long[names.Length][];
        _lastShapes = new long[names.Length][];
    }

    /// <summary>The names of the model's inputs, in declared order (as <see cref="Values"/>).</summary>
    public string[] Names => _names;

    /// <summary>During a run: the bound values, in declared order.</summary>
    public OrtValue[] Values => _values;

    /// <summary>During a run: the bound values by name.</summary>
    public IReadOnlyDictionary<string, OrtValue> ByName => _byName;

    /// <summary>During a run: whether every input has the shape it had in the last run through this binding.</summary>
    public bool SameShapes { get; private set; }

    /// <summary>Outputs made for the inputs' shapes of the last run (<see cref="PreallocatedOutputs"/>); dropped when a shape changes.</summary>
    public PreallocatedOutputs? Outputs { get; private set; }

    /// <summary>How many runs through this binding ONNX Runtime wrote into <see cref="Outputs"/> (for tests: that this path was taken).</summary>
    public long PreallocatedRuns { get; set; }

    /// <summary>Keeps <paramref name="outputs"/> for the next runs of this run's input shapes (replacing any).</summary>
    public void KeepOutputs(PreallocatedOutputs? outputs)
    {
        Outputs?.Dispose();
        Outputs = outputs;
    }

    /// <summary>
    /// Binds <paramref name="inputs"/> and runs them through <paramref name="instance"/> when they are exactly the
    /// declared inputs; false (nothing run) otherwise, and the caller passes them by name instead. A tensor over a
    /// managed array is pinned by the frame that binds it, for as long as the run lasts (no pinning handle); other
    /// memory through its own <see cref="ReadOnlyMemory{T}.Pin"/>.
    /// </summary>
    public bool TryRun(IReadOnlyDictionary<string, TensorValue> inputs, OnnxModelInstance instance, [NotNullWhen(true)] out OutputTensors? outputs)
    {
        outputs = null;
        if (inputs.Count != _names.Length)
        {
            return false;
        }

        try
        {
            SameShapes = true;
            outputs = BindAndRun(0, inputs, instance);
            return outputs is not null;
        }
        finally
        {
            Unbind();
        }
    }

    /// <summary>Binds input <paramref name="i"/> and those after it, then runs; <see langword="null"/> when an input is missing.</summary>
    private unsafe OutputTensors? BindAndRun(int i, IReadOnlyDictionary<string, TensorValue> inputs, OnnxModelInstance instance)
    {
        if (i == _names.Length)
        {
            return instance.RunBound(this);
        }

        if (!inputs.TryGetValue(_names[i], out var tensor) || tensor is null)
        {
            return null;
        }

        NoteShape(i, tensor.Shape);

        if (tensor.ElementType != TensorDataType.String && MemoryMarshal.TryGetArray(tensor.Data, out var segment) && segment.Count > 0)
        {
            // Pinned while this frame lives, which is until the run has ended.
            fixed (byte* pointer = &segment.Array![segment.Offset])
            {
                BindAt(i, tensor, (nint)pointer);
                return BindAndRun(i + 1, inputs, instance);
            }
        }

        Bind(i, tensor);
        return BindAndRun(i + 1, inputs, instance);
    }

    /// <summary>Unpins the bound inputs and releases the values made for this run only.</summary>
    public void Unbind()
    {
        // Every pin, also one taken by a Bind that then failed (an unset pin disposes as a no-op).
        var last = Math.Min(_bound + 1, _names.Length);
        for (var i = 0; i < last; i++)
        {
            if (_owned[i])
            {
                _values[i].Dispose();
                _owned[i] = false;
            }

            _values[i] = null!;
            _pins[i].Dispose();
            _pins[i] = default;
        }

        // The dictionary keeps the values passed last (never read before a bind that succeeds has set every name):
        // a run that passes them again writes nothing.
        _bound = 0;
    }

    public void Dispose()
    {
        Unbind();
        KeepOutputs(null);
        for (var i = 0; i < _cached.Length; i++)
        {
            _cached[i]?.Dispose();
            _cached[i] = null;
        }
    }

    /// <summary>Binds input <paramref name="i"/> over its own pin (<see cref="ReadOnlyMemory{T}.Pin"/>, released by <see cref="Unbind"/>), or made for this run.</summary>
    private void Bind(int i, TensorValue tensor)
    {
        _bound = i + 1;
        if (tensor.ElementType == TensorDataType.String || tensor.Data.IsEmpty)
        {
            // Nothing to point at (an empty tensor) or copied element by element (strings): made for this run.
            _values[i] = OnnxTensors.Wrap(tensor, out _pins[i]);
            _owned[i] = true;
            Pass(i);
            return;
        }

        _pins[i] = tensor.Data.Pin();
        nint address;
        unsafe
        {
            address = (nint)_pins[i].Pointer;
        }

        BindAt(i, tensor, address);
    }

    /// <summary>Binds input <paramref name="i"/>, whose bytes are pinned at <paramref name="address"/>: the value made for it last time when it describes the same memory.</summary>
    private void BindAt(int i, TensorValue tensor, nint address)
    {
        _bound = i + 1;
        if (_cached[i] is { } cached && _addresses[i] == address && _lengths[i] == tensor.Data.Length && _types[i] == tensor.ElementType && SameShape(_shapes[i], tensor.Shape))
        {
            _values[i] = cached;
            Pass(i);
            return;
        }

        _cached[i]?.Dispose();
        _cached[i] = null;
        long[] shape = [.. tensor.Shape];
        var value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, OnnxTypes.ToOrt(tensor.ElementType), shape, address, tensor.Data.Length);
        (_cached[i], _addresses[i], _lengths[i], _types[i], _shapes[i]) = (value, address, tensor.Data.Length, tensor.ElementType, shape);
        _values[i] = value;
        Pass(i);
    }

    /// <summary>Puts input <paramref name="i"/>'s value in the dictionary the run is given, unless it is there from the last run.</summary>
    private void Pass(int i)
    {
        if (!ReferenceEquals(_passed[i], _values[i]))
        {
            _byName[_names[i]] = _values[i];
            _passed[i] = _values[i];
        }
    }

    /// <summary>Compares input <paramref name="i"/>'s shape with the last run's; a new one is remembered and drops the pre-allocated outputs.</summary>
    private void NoteShape(int i, IReadOnlyList<long> shape)
    {
        if (SameShape(_lastShapes[i], shape))
        {
            return;
        }

        _lastShapes[i] = [.. shape];
        SameShapes = false;
        KeepOutputs(null);
    }

    private static bool SameShape(long[]? cached, IReadOnlyList<long> shape)
    {
        if (cached is null || cached.Length != shape.Count)
        {
            return false;
        }

        for (var d = 0; d < cached.Length; d++)
        {
            if (cached[d] != shape[d])
            {
                return false;
            }
        }

        return true;
    }
}
