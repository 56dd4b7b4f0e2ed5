namespace GpuPool.Runtime.Models;

/// <summary>
/// Checks run inputs against a model's declared inputs before anything reaches a framework, so every
/// backend (and the server) rejects bad input the same way, with a message that names the problem.
/// </summary>
internal static class ModelInputValidator
{
    /// <summary>Throws <see cref="InvalidPoolRequestException"/> when the inputs do not match the model.</summary>
    public static void Validate(IReadOnlyList<TensorInfo> declared, IReadOnlyDictionary<string, TensorValue> inputs)
    {
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var (name, value) in inputs)
        {
            if (value is null)
            {
                throw new InvalidPoolRequestException($"Input '{name}' is null.");
            }

            var info = Find(declared, name)
                ?? throw new InvalidPoolRequestException($"The model has no input named '{name}'. Its inputs: {string.Join(", ", declared.Select(d => d.ToString()))}.");
            if (info.ElementType != value.ElementType)
            {
                throw new InvalidPoolRequestException($"Input '{name}' must be {info.ElementType}; got {value.ElementType}.");
            }

            if (info.Shape.Count != value.Shape.Count)
            {
                throw new InvalidPoolRequestException($"Input '{name}' must have rank {info.Shape.Count} [{string.Join(",", info.Shape)}]; got [{string.Join(",", value.Shape)}].");
            }

            for (var i = 0; i < info.Shape.Count; i++)
            {
                if (info.Shape[i] >= 0 && info.Shape[i] != value.Shape[i])
                {
                    throw new InvalidPoolRequestException($"Input '{name}' dimension {i} must be {info.Shape[i]}; got {value.Shape[i]} (shape [{string.Join(",", value.Shape)}]).");
                }
            }
        }

        foreach (var info in declared)
        {
            if (!inputs.ContainsKey(info.Name))
            {
                throw new InvalidPoolRequestException($"Input '{info.Name}' ({info}) is missing.");
            }
        }
    }

    private static TensorInfo? Find(IReadOnlyList<TensorInfo> declared, string name)
    {
        foreach (var info in declared)
        {
            if (string.Equals(info.Name, name, StringComparison.Ordinal))
            {
                return info;
            }
        }

        return null;
    }
}
