namespace GpuPool.Server.Inference;

/// <summary>The <c>batching</c> object of <c>gpupool.json</c>.</summary>
internal sealed record RepositoryBatchingConfig
{
    /// <summary>The most requests combined into one run.</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>How long the first request of a batch waits for others, in microseconds.</summary>
    public long MaxQueueDelayUs { get; init; } = 2000;
}
