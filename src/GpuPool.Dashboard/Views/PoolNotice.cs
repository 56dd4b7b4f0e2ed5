using GpuPool.Dashboard.Pools;

namespace GpuPool.Dashboard.Views;

/// <summary>A line about a pool that could not be read, shown above the tables that leave it out.</summary>
internal sealed record PoolNotice(string Pool, string Text)
{
    public static IReadOnlyList<PoolNotice> For(IEnumerable<PoolSnapshot> snapshots) =>
    [
        .. snapshots.Where(s => !s.IsUp).Select(s => new PoolNotice(
            s.Name,
            s.Status == PoolStatus.Down ? $"Pool {s.Name} is down: {s.Problem}" : $"Pool {s.Name}: connecting…")),
    ];
}
