using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace GpuPool.OnnxRuntime.Internal;

/// <summary>
/// A run's outputs by name: the model's output names and their index (made once per model) with this run's tensors,
/// so that a run allocates one array for them rather than a dictionary. Names compare ordinally and enumerate in
/// the model's declared order, as the dictionary it replaces did.
/// </summary>
internal sealed class OutputTensors(string[] names, IReadOnlyDictionary<string, int> indexOf, TensorValue[] values) : IReadOnlyDictionary<string, TensorValue>
{
    /// <summary>The tensors, in the model's declared output order.</summary>
    public TensorValue[] Tensors => values;

    public int Count => names.Length;

    public IEnumerable<string> Keys => names;

    public IEnumerable<TensorValue> Values => values;

    public TensorValue this[string key] =>
        indexOf.TryGetValue(key, out var index) ? values[index] : throw new KeyNotFoundException($"The model has no output '{key}'.");

    public bool ContainsKey(string key) => indexOf.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TensorValue value)
    {
        if (indexOf.TryGetValue(key, out var index))
        {
            value = values[index];
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, TensorValue>> GetEnumerator()
    {
        for (var i = 0; i < names.Length; i++)
        {
            yield return new KeyValuePair<string, TensorValue>(names[i], values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
