using System.Diagnostics;
using System.Globalization;
using GpuPool.Runtime.Placement;

namespace GpuPool.Benchmarks.Trace;

/// <summary>
/// Replays one seed of a workload through the product's <see cref="SliceAllocator"/>: one attempt per
/// task, a task that fits nowhere is dropped, tasks never leave.
/// </summary>
internal static class TraceReplay
{
    public static SeedResult Run(
        IReadOnlyList<NodeCapacity> nodes,
        TraceWorkload workload,
        ShapeMix workloadMix,
        string policy,
        int seed,
        TextWriter? dump)
    {
        var capacity = nodes.Sum(n => (long)n.Devices.Count * SliceRequest.FullDeviceMilli);
        var arrivals = workload.Arrivals(seed, capacity);
        var allocator = new SliceAllocator(nodes, TracePolicies.Create(policy, seed, workloadMix));
        var micros = new double[arrivals.Count];
        long arrived = 0, allocated = 0;
        double? unallocated = null, fragRate = null;
        for (var seq = 0; seq < arrivals.Count; seq++)
        {
            var task = arrivals[seq];
            var start = Stopwatch.GetTimestamp();
            var allocation = allocator.TryAllocate(task.Request);
            micros[seq] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            arrived += task.GpuMilli;
            if (allocation is not null)
            {
                allocated += (long)allocation.Milli * allocation.Devices.Count;
            }

            dump?.WriteLine(DumpLine(seed, seq, task, allocation, allocator));
            if (unallocated is null && arrived >= capacity)
            {
                unallocated = 100.0 - (allocated * 100.0 / capacity);
                fragRate = FragRate(allocator, workloadMix);
            }
        }

        return new SeedResult(seed, unallocated ?? 100.0 - (allocated * 100.0 / capacity), fragRate ?? FragRate(allocator, workloadMix), allocated * 100.0 / capacity, micros);
    }

    /// <summary>Free GPU milli that the workload's mix cannot use (FGD's expected fragmentation), as a share of all free milli.</summary>
    private static double FragRate(SliceAllocator allocator, ShapeMix mix)
    {
        var index = new FragmentIndex(allocator, mix);
        index.Refresh();
        double fragmented = 0, free = 0;
        foreach (var node in allocator.Nodes)
        {
            fragmented += index.Fragmentation(node.Index);
            free += PlacementMath.FreeMilli(node);
        }

        return free == 0 ? 0 : fragmented / index.ActiveWeight * 100.0 / free;
    }

    private static string DumpLine(int seed, int seq, TraceTask task, Allocation? allocation, SliceAllocator allocator)
    {
        var inv = CultureInfo.InvariantCulture;
        if (allocation is null)
        {
            return string.Create(inv, $"{seed},{seq},{task.Name},,,");
        }

        var node = allocator.Nodes[allocation.Node].Name;
        var gpus = string.Join(';', allocation.Devices.Select(d => d.ToString(inv)));
        return string.Create(inv, $"{seed},{seq},{task.Name},{node},{gpus},{allocation.Milli}");
    }
}
