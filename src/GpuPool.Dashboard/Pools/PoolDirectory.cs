using Microsoft.Extensions.Options;

namespace GpuPool.Dashboard.Pools;

/// <summary>The configured pools, each with its admin client, and their latest snapshots.</summary>
internal sealed class PoolDirectory : IDisposable
{
    private readonly Dictionary<string, PoolClient> _byName;
    private readonly Lock _lock = new();
    private PoolSnapshot[] _snapshots;

    public PoolDirectory(IOptions<DashboardOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        Pools = [.. settings.Pools.Select(p => new PoolClient(p, settings.CallTimeout, time))];
        _byName = Pools.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var now = time.GetUtcNow();
        _snapshots = [.. Pools.Select(p => new PoolSnapshot { Name = p.Name, Addresses = p.Addresses, Status = PoolStatus.Unknown, TakenAt = now })];
    }

    public IReadOnlyList<PoolClient> Pools { get; }

    /// <summary>Every pool as last read, in configured order.</summary>
    public IReadOnlyList<PoolSnapshot> Snapshots => Volatile.Read(ref _snapshots);

    public PoolClient? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Replaces one pool's snapshot (copy on write: readers keep a consistent list).</summary>
    public PoolSnapshot Publish(int index, PoolSnapshot snapshot)
    {
        lock (_lock)
        {
            var next = (PoolSnapshot[])_snapshots.Clone();
            var previous = next[index];
            next[index] = snapshot;
            Volatile.Write(ref _snapshots, next);
            return previous;
        }
    }

    public int IndexOf(string name) => Pools.ToList().FindIndex(p => p.Name == name);

    public void Dispose()
    {
        foreach (var pool in Pools)
        {
            pool.Dispose();
        }
    }
}
