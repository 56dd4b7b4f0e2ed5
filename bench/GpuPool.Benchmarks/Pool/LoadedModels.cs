namespace GpuPool.Benchmarks.Pool;

/// <summary>The leases of a benchmark side and a model loaded in each.</summary>
internal sealed class LoadedModels : IAsyncDisposable
{
    public List<GpuLease> Leases { get; } = [];

    public List<PooledModel> Models { get; } = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var lease in Leases)
        {
            await lease.DisposeAsync();
        }
    }
}
