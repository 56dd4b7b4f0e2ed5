using GpuPool.Dashboard.Pools;

namespace GpuPool.Dashboard.Views;

/// <summary>The overview: a row per pool and the total over the pools that answered.</summary>
internal sealed record OverviewView(IReadOnlyList<OverviewRow> Pools, OverviewRow Total)
{
    public static OverviewView From(IReadOnlyList<PoolSnapshot> snapshots, TrendHistory trends, DateTimeOffset now)
    {
        var rows = snapshots.Select(s => Row(s, trends.For(s.Name), now)).ToList();
        var up = snapshots.Where(s => s.IsUp).ToList();
        var total = Figures(up) with
        {
            Pool = "All pools",
            State = $"{up.Count} of {snapshots.Count} up",
        };
        return new OverviewView(rows, total);
    }

    private static OverviewRow Row(PoolSnapshot snapshot, IReadOnlyList<TrendPoint> trend, DateTimeOffset now)
    {
        var row = snapshot.Status switch
        {
            PoolStatus.Up => Figures([snapshot]) with { State = "Up" },
            PoolStatus.Down => new OverviewRow { Pool = "", State = "Down", Problem = snapshot.Problem ?? "", IsDown = true },
            _ => new OverviewRow { Pool = "", State = "Connecting" },
        };
        return row with
        {
            Pool = snapshot.Name,
            Addresses = string.Join(", ", snapshot.Addresses),
            Updated = Units.Span(now - snapshot.TakenAt) + " ago",
            LeaseTrend = Sparkline.Points([.. trend.Select(p => (double?)p.Leases)]),
            MemoryTrend = Sparkline.Points([.. trend.Select(p => (double?)p.MemoryAllocatedBytes)]),
        };
    }

    /// <summary>Busy fractions summed, in devices, over the devices that report one.</summary>
    private static string Busy(IReadOnlyList<PoolSnapshot> pools)
    {
        var measured = pools.SelectMany(p => p.Busy.Values).ToList();
        return measured.Count == 0
            ? Units.NotReported
            : $"{Units.Devices((long)Math.Round(measured.Sum() * 1000))} of {measured.Count} device(s)";
    }

    private static string Refused(IReadOnlyList<PoolSnapshot> pools) =>
        pools.All(p => ReferenceEquals(p.Usage, PoolUsage.None))
            ? Units.NotReported
            : $"{pools.Sum(p => p.Usage.Tenants.Values.Sum(t => t.RejectionCount))}";

    /// <summary>Memory the leases' models are charged (the serving node's figure where it reported one) plus memory used outside leases.</summary>
    private static long MemoryInUse(PoolSnapshot pool) =>
        pool.Leases.Sum(l => pool.Usage.Leases.TryGetValue(l.Id, out var usage) ? usage.MemoryUsedBytes : l.MemoryUsedBytes)
        + pool.Devices.Sum(d => d.ExternalMemoryBytes);

    private static OverviewRow Figures(IReadOnlyList<PoolSnapshot> pools)
    {
        var devices = pools.SelectMany(p => p.Devices).ToList();
        var leases = pools.SelectMany(p => p.Leases).ToList();
        var memoryTotal = devices.Sum(d => d.Device.TotalMemoryBytes);
        var memoryAllocated = devices.Sum(d => d.AllocatedMemoryBytes);
        var memoryUsed = pools.Sum(MemoryInUse);
        var milli = devices.Sum(d => (long)d.AllocatedMilli);
        return new OverviewRow
        {
            Pool = "",
            State = "",
            Devices = devices.Count(d => d.Draining) is var drained and > 0 ? $"{devices.Count} ({drained} draining)" : $"{devices.Count}",
            MemoryAllocated = $"{Units.Bytes(memoryAllocated)} of {Units.Bytes(memoryTotal)} ({Units.Percent(memoryAllocated, memoryTotal)})",
            MemoryInUse = Units.Bytes(memoryUsed),
            ComputeAllocated = $"{Units.Devices(milli)} of {devices.Count} device(s)",
            Leases = $"{leases.Count}",
            Tenants = $"{leases.Select(l => l.Tenant).Distinct(StringComparer.Ordinal).Count()}",
            // Every node's own count where the pool reports usage (ListTenants counts only the node that answered).
            Waiting = $"{pools.Sum(p => p.Usage.WaitingAcquires ?? p.WaitingAcquires)}",
            ComputeBusy = Busy(pools),
            Refused = Refused(pools),
        };
    }
}
