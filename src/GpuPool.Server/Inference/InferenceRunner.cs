namespace GpuPool.Server.Inference;

/// <summary>
/// Runs one inference for either transport on a version the caller may run (<see cref="ModelRepository.GetRunnable"/>):
/// checks the requested output names, runs the model inside its lease (through the device scheduler, as any
/// lease's run) and counts it.
/// </summary>
internal sealed class InferenceRunner(TimeProvider time)
{
    public async Task<InferResult> RunAsync(
        RepositoryModelVersion found,
        IReadOnlyDictionary<string, TensorValue> inputs,
        IReadOnlyList<string> requestedOutputs,
        CancellationToken cancellationToken)
    {
        var declared = found.Model.Instance.Outputs;
        foreach (var name in requestedOutputs)
        {
            if (!declared.Any(o => string.Equals(o.Name, name, StringComparison.Ordinal)))
            {
                throw new InvalidPoolRequestException($"Model '{found.ModelName}' has no output '{name}'; its outputs: {string.Join(", ", declared.Select(o => o.Name))}.");
            }
        }

        var start = time.GetTimestamp();
        IReadOnlyDictionary<string, TensorValue> outputs;
        try
        {
            outputs = await found.Model.RunAsync(inputs, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            found.Statistics.Failed(time.GetElapsedTime(start));
            throw;
        }

        found.Statistics.Succeeded(time.GetElapsedTime(start), time.GetUtcNow());
        var names = requestedOutputs.Count > 0 ? requestedOutputs : declared.Select(o => o.Name).ToList();
        return new InferResult(found, [.. names.Select(n => (n, outputs[n]))]);
    }
}
