namespace GpuPool;

/// <summary>
/// Dynamic batching: concurrent requests to one model are combined into a single run along the
/// model's first (batch) dimension, and the outputs are split back.
/// </summary>
public sealed record BatchingOptions
{
    /// <summary>The largest combined batch.</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>How long the first request of a batch waits for others to join.</summary>
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.FromMilliseconds(2);
}
