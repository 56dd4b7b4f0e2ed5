namespace GpuPool.Runtime.Models;

/// <summary>
/// A model's declared inputs, prepared at load for the check every run makes: a run's inputs in an ordinary
/// dictionary are matched by one lookup each, without allocating; anything that does not match (or another kind of
/// dictionary) goes through <see cref="ModelInputValidator"/>, which names the problem.
/// </summary>
internal sealed class InputSignature
{
    private readonly IReadOnlyList<TensorInfo> _declared;
    private readonly Dictionary<string, int> _indexOf = new(StringComparer.Ordinal);
    private readonly TensorDataType[] _types;
    private readonly long[][] _shapes;

    public InputSignature(IReadOnlyList<TensorInfo> declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        _declared = declared;
        _types = new TensorDataType[declared.Count];
        _shapes = new long[declared.Count][];
        for (var i = 0; i < declared.Count; i++)
        {
            // A model with two inputs of one name is caught by the full check (the first wins here).
            _indexOf.TryAdd(declared[i].Name, i);
            _types[i] = declared[i].ElementType;
            _shapes[i] = [.. declared[i].Shape];
        }
    }

    /// <summary>Checks the inputs against the model's declared inputs.</summary>
    /// <returns>The input elements over all inputs (the size of the run, <see cref="WorkingMemory.ElementsOf"/>).</returns>
    /// <exception cref="InvalidPoolRequestException">The inputs do not match the model.</exception>
    public long Validate(IReadOnlyDictionary<string, TensorValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (TryMatch(inputs, out var elements))
        {
            return elements;
        }

        ModelInputValidator.Validate(_declared, inputs);
        return WorkingMemory.ElementsOf(inputs);
    }

    /// <summary>
    /// True when <paramref name="inputs"/> is a <see cref="Dictionary{TKey,TValue}"/> whose keys are exactly the
    /// declared names (compared as the full check does, ordinally) with matching types and shapes.
    /// </summary>
    private bool TryMatch(IReadOnlyDictionary<string, TensorValue> inputs, out long elements)
    {
        elements = 0;
        if (inputs is not Dictionary<string, TensorValue> dictionary || dictionary.Count != _types.Length || _indexOf.Count != _types.Length)
        {
            return false;
        }

        // Distinct keys that each name a declared input, as many as declared: every declared input is present.
        foreach (var (name, value) in dictionary)
        {
            if (value is null || !_indexOf.TryGetValue(name, out var index) || value.ElementType != _types[index])
            {
                return false;
            }

            var declared = _shapes[index];
            var shape = value.Shape;
            if (shape.Count != declared.Length)
            {
                return false;
            }

            var count = 1L;
            for (var d = 0; d < declared.Length; d++)
            {
                var dimension = shape[d];
                if (declared[d] >= 0 && declared[d] != dimension)
                {
                    return false;
                }

                count *= dimension;
            }

            elements += count;
        }

        return true;
    }
}
