using Microsoft.Extensions.Options;

namespace GpuPool.Dashboard.Pools;

/// <summary>The last hour (<see cref="DashboardOptions.TrendWindow"/>) of every pool, kept in memory by the dashboard itself.</summary>
internal sealed class TrendHistory(IOptions<DashboardOptions> options)
{
    private readonly Dictionary<string, Queue<TrendPoint>> _points = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Keeps a point for the pool unless one was kept less than an interval ago.</summary>
    public void Record(PoolSnapshot snapshot, DateTimeOffset now)
    {
        var settings = options.Value;
        lock (_lock)
        {
            if (!_points.TryGetValue(snapshot.Name, out var points))
            {
                points = _points[snapshot.Name] = new Queue<TrendPoint>();
            }

            if (points.Count > 0 && now - points.Last().At < settings.TrendInterval)
            {
                return;
            }

            points.Enqueue(ToPoint(snapshot, now));
            while (points.Count > 0 && now - points.Peek().At > settings.TrendWindow)
            {
                points.Dequeue();
            }
        }
    }

    /// <summary>A pool's points, oldest first.</summary>
    public IReadOnlyList<TrendPoint> For(string pool)
    {
        lock (_lock)
        {
            return _points.TryGetValue(pool, out var points) ? [.. points] : [];
        }
    }

    private static TrendPoint ToPoint(PoolSnapshot snapshot, DateTimeOffset now) => snapshot.IsUp
        ? new TrendPoint(now, snapshot.Leases.Count, snapshot.Devices.Sum(d => d.AllocatedMemoryBytes), snapshot.Devices.Sum(d => (long)d.AllocatedMilli))
        : new TrendPoint(now, null, null, null);
}
