namespace GpuPool.Runtime.Models;

/// <summary>
/// The working memory a measured model was seen to grow at runs larger than its warm-up: for each input size
/// (elements over all inputs) first run, the extra resident memory measured at that run, on top of what its load
/// and warm-up were charged. Extras only grow with size; a run no larger than one measured before is covered
/// by that measurement and is not measured again.
/// </summary>
/// <param name="warmUpElements">Input elements of the warm-up runs the load's measurement covers (0: none ran).</param>
internal sealed class WorkingMemory(long warmUpElements)
{
    private readonly Lock _lock = new();
    private readonly List<(long Elements, long ExtraBytes)> _steps = [];

    /// <summary>Input elements of a run: the sum over its inputs.</summary>
    public static long ElementsOf(IReadOnlyDictionary<string, TensorValue> inputs)
    {
        long elements = 0;
        foreach (var input in inputs.Values)
        {
            var count = 1L;
            foreach (var dimension in input.Shape)
            {
                count *= dimension;
            }

            elements += count;
        }

        return elements;
    }

    /// <summary>The extra working memory already measured for a run of <paramref name="elements"/> or more; false when no run that large was measured.</summary>
    public bool TryGetExtra(long elements, out long extraBytes)
    {
        lock (_lock)
        {
            return TryGetCovered(elements, out extraBytes);
        }
    }

    /// <summary>Records what a run of <paramref name="elements"/>, larger than any measured before, grew.</summary>
    /// <returns>The extra working memory for that size, and how much the model's resident memory grew by it.</returns>
    public (long ExtraBytes, long AddedBytes) Record(long elements, long growthBytes)
    {
        lock (_lock)
        {
            // Another run measured a larger size meanwhile: its figure covers this one, and this run's growth was in it.
            if (TryGetCovered(elements, out var covered))
            {
                return (covered, 0);
            }

            var extra = (_steps.Count == 0 ? 0 : _steps[^1].ExtraBytes) + Math.Max(0, growthBytes);
            _steps.Add((elements, extra));
            return (extra, Math.Max(0, growthBytes));
        }
    }

    private bool TryGetCovered(long elements, out long extraBytes)
    {
        extraBytes = 0;
        if (elements <= warmUpElements)
        {
            return true;
        }

        foreach (var step in _steps)
        {
            if (step.Elements >= elements)
            {
                extraBytes = step.ExtraBytes;
                return true;
            }
        }

        return false;
    }
}
