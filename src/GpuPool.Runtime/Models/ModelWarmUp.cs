namespace GpuPool.Runtime.Models;

/// <summary>
/// The first runs of a freshly loaded model, on zero-filled inputs of its declared shapes (every dynamic
/// dimension taken as 1), so that the working memory a run needs (ONNX Runtime's arena, kernel scratch
/// space, per-thread buffers) is resident when the model's memory is measured. Two runs: ONNX Runtime plans
/// the model's memory pattern at the first run and allocates by it from the second, which is what every
/// later run does.
/// </summary>
internal static class ModelWarmUp
{
    /// <summary>Largest input a warm-up run builds; a model whose inputs are bigger is measured without one.</summary>
    private const long MaxInputBytes = 64L * 1024 * 1024;

    /// <summary>Runs the warm-up runs make.</summary>
    private const int Runs = 2;

    /// <summary>Input elements of a warm-up run (over all inputs, every dynamic dimension 1).</summary>
    public static long InputElements(IModelInstance instance) =>
        instance.Inputs.Sum(input => input.Shape.Aggregate(1L, (count, d) => count * (d > 0 ? d : 1)));

    /// <summary>Runs the model twice; <see langword="false"/> when it has no runnable inputs or rejected them.</summary>
    public static bool TryRun(IModelInstance instance, int intraOpThreads)
    {
        var inputs = new Dictionary<string, TensorValue>(instance.Inputs.Count, StringComparer.Ordinal);
        foreach (var input in instance.Inputs)
        {
            var shape = input.Shape.Select(d => d > 0 ? d : 1).ToArray();
            // A string element of length zero is its 4-byte length, all zeros: zero bytes are empty strings.
            var elementBytes = input.ElementType == TensorDataType.String ? 4 : TensorValue.SizeOf(input.ElementType);
            var bytes = TensorValue.CountElements(shape) * elementBytes;
            if (bytes > MaxInputBytes)
            {
                return false;
            }

            inputs[input.Name] = new TensorValue(input.ElementType, shape, new byte[bytes]);
        }

        try
        {
            for (var i = 0; i < Runs; i++)
            {
                instance.Run(inputs, new RunContext(intraOpThreads));
            }

            return true;
        }
        catch (InvalidPoolRequestException)
        {
            // Zeros are not valid for every model (an index input, a shape input); the load stands, measured without a run.
            return false;
        }
    }
}
