using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// A run's inputs together with memory that some of its outputs should be written into (a client's shared-memory
/// region, held by the caller for the whole run). It goes through the engine as the run's inputs, unchanged, to the
/// ONNX backend, which has ONNX Runtime write an output straight into its target when the output's shape is known
/// before the run, or copies it there once (<see cref="OnnxOutputTargets"/>). A batched model, a process-isolated
/// lease or another backend see plain inputs and return outputs as usual: the caller checks with <see cref="IsIn"/>
/// where each output landed and copies the rest.
/// </summary>
/// <param name="inputs">The run's inputs.</param>
/// <param name="targets">Memory for outputs, by output name; each must stay valid (and not overlap another or an input) until the run ends.</param>
internal sealed class TargetedRunInputs(IReadOnlyDictionary<string, TensorValue> inputs, IReadOnlyDictionary<string, Memory<byte>> targets) : IReadOnlyDictionary<string, TensorValue>
{
    /// <summary>Memory for outputs, by output name.</summary>
    public IReadOnlyDictionary<string, Memory<byte>> Targets => targets;

    public TensorValue this[string key] => inputs[key];

    public IEnumerable<string> Keys => inputs.Keys;

    public IEnumerable<TensorValue> Values => inputs.Values;

    public int Count => inputs.Count;

    /// <summary>True when <paramref name="value"/>'s bytes start at <paramref name="target"/>: the run wrote the output there.</summary>
    public static bool IsIn(TensorValue value, Memory<byte> target) =>
        !value.Data.IsEmpty && !target.IsEmpty && value.Data.Length <= target.Length &&
        Unsafe.AreSame(ref MemoryMarshal.GetReference(value.Data.Span), ref MemoryMarshal.GetReference(target.Span));

    public bool ContainsKey(string key) => inputs.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TensorValue value) => inputs.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, TensorValue>> GetEnumerator() => inputs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
