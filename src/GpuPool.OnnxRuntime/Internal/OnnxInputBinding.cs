using System.Buffers;
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
    }

    /// <summary>The bound values by input name (valid until <see cref="Unbind"/>), as a plain session is given its inputs.</summary>
    public IReadOnlyDictionary<string, OrtValue> Inputs => _byName;

    /// <summary>
    /// Binds <paramref name="inputs"/> when they are exactly the declared inputs; false (nothing bound) otherwise,
    /// and the caller passes them by name instead.
    /// </summary>
    public bool TryBind(IReadOnlyDictionary<string, TensorValue> inputs)
    {
        if (inputs.Count != _names.Length)
        {
            return false;
        }

        try
        {
            for (var i = 0; i < _names.Length; i++)
            {
                if (!inputs.TryGetValue(_names[i], out var tensor) || tensor is null)
                {
                    Unbind();
                    return false;
                }

                Bind(i, tensor);
                if (!ReferenceEquals(_passed[i], _values[i]))
                {
                    // A value reused from the last run is in the dictionary already.
                    _byName[_names[i]] = _values[i];
                    _passed[i] = _values[i];
                }

                _bound = i + 1;
            }
        }
        catch
        {
            Unbind();
            throw;
        }

        return true;
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
        for (var i = 0; i < _cached.Length; i++)
        {
            _cached[i]?.Dispose();
            _cached[i] = null;
        }
    }

    private void Bind(int i, TensorValue tensor)
    {
        if (tensor.ElementType == TensorDataType.String || tensor.Data.IsEmpty)
        {
            // Nothing to point at (an empty tensor) or copied element by element (strings): made for this run.
            _values[i] = OnnxTensors.Wrap(tensor, out _pins[i]);
            _owned[i] = true;
            return;
        }

        _pins[i] = tensor.Data.Pin();
        nint address;
        unsafe
        {
            address = (nint)_pins[i].Pointer;
        }

        if (_cached[i] is { } cached && _addresses[i] == address && _lengths[i] == tensor.Data.Length && _types[i] == tensor.ElementType && SameShape(_shapes[i], tensor.Shape))
        {
            _values[i] = cached;
            return;
        }

        _cached[i]?.Dispose();
        _cached[i] = null;
        long[] shape = [.. tensor.Shape];
        var value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, OnnxTypes.ToOrt(tensor.ElementType), shape, address, tensor.Data.Length);
        (_cached[i], _addresses[i], _lengths[i], _types[i], _shapes[i]) = (value, address, tensor.Data.Length, tensor.ElementType, shape);
        _values[i] = value;
    }

    private static bool SameShape(long[] cached, IReadOnlyList<long> shape)
    {
        if (cached.Length != shape.Count)
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
