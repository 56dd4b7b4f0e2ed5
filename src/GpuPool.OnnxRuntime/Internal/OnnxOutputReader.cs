using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// Copies a session's outputs into tensors. ONNX Runtime answers a value's shape and its bytes with a query each; for
/// an output whose declared shape has at most one open dimension the shape follows from the byte count, so once the
/// first runs showed the declared dimensions to be the real ones (<see cref="Checks"/> runs compared against the
/// value's own shape), its outputs are read with the one query a plain session makes. An output whose shape ever
/// disagreed, or that has more open dimensions, or strings, is always asked for its shape (<see cref="OnnxTensors.ToPool"/>).
/// </summary>
internal sealed class OnnxOutputReader
{
    /// <summary>Runs whose outputs are checked against their own shape before the declared one is trusted.</summary>
    public const int Checks = 4;

    private readonly Output[] _outputs;

    public OnnxOutputReader(IReadOnlyList<TensorInfo> outputs) =>
        _outputs = [.. outputs.Select(o => new Output(o))];

    /// <summary>The output at <paramref name="index"/> (in the session's output order) as a tensor of its own bytes.</summary>
    public TensorValue Read(int index, OrtValue value)
    {
        var output = _outputs[index];
        if (!output.Derivable || output.Distrusted || !value.IsTensor)
        {
            return OnnxTensors.ToPool(value);
        }

        if (Volatile.Read(ref output.ChecksLeft) > 0)
        {
            var read = OnnxTensors.ToPool(value);
            if (output.TryDerive(read.Data.Length, out var derived) && read.Shape.SequenceEqual(derived))
            {
                Interlocked.Decrement(ref output.ChecksLeft);
            }
            else
            {
                output.Distrusted = true;
            }

            return read;
        }

        var bytes = value.GetTensorDataAsSpan<byte>();
        return output.TryDerive(bytes.Length, out var shape)
            ? new TensorValue(output.Type, shape, bytes.ToArray())
            : OnnxTensors.ToPool(value);
    }

    /// <summary>What is known of one output: its declared dimensions and whether its shape follows from its bytes.</summary>
    private sealed class Output
    {
        private readonly long[] _dimensions;
        private readonly int _open = -1;
        private readonly long _bytesPerOpen = 1;

        public Output(TensorInfo info)
        {
            Type = info.ElementType;
            _dimensions = [.. info.Shape];
            var size = TensorValue.SizeOf(info.ElementType);
            var open = 0;
            for (var d = 0; d < _dimensions.Length; d++)
            {
                if (_dimensions[d] < 0)
                {
                    open++;
                    _open = d;
                }
                else
                {
                    _bytesPerOpen *= _dimensions[d];
                }
            }

            _bytesPerOpen *= size;
            Derivable = info.ElementType != TensorDataType.String && size > 0 && open <= 1 && (open == 0 || _bytesPerOpen > 0);
        }

        public TensorDataType Type { get; }

        public bool Derivable { get; }

        public volatile bool Distrusted;

        public int ChecksLeft = Checks;

        /// <summary>The shape a value of <paramref name="bytes"/> bytes has if the declared dimensions hold.</summary>
        public bool TryDerive(long bytes, out long[] shape)
        {
            shape = _dimensions;
            if (_open < 0)
            {
                return bytes == _bytesPerOpen;
            }

            if (bytes % _bytesPerOpen != 0)
            {
                return false;
            }

            shape = (long[])_dimensions.Clone();
            shape[_open] = bytes / _bytesPerOpen;
            return true;
        }
    }
}
