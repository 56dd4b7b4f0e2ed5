using System.Globalization;
using GpuPool.Runtime.Placement;

namespace GpuPool.Benchmarks.Trace;

/// <summary>
/// The tasks of one workload file and the published method's arrival order: sort by name, shuffle with
/// the seed, then append tasks sampled uniformly with replacement until the requested GPU would exceed
/// 130% of capacity (or, when the trace already exceeds it, drop random tasks).
/// </summary>
internal sealed class TraceWorkload
{
    public const double InflationRatio = 1.3;

    private TraceWorkload(string name, IReadOnlyList<TraceTask> tasks)
    {
        Name = name;
        Tasks = tasks;
    }

    public string Name { get; }

    /// <summary>The trace's tasks, sorted by name.</summary>
    public IReadOnlyList<TraceTask> Tasks { get; }

    public static TraceWorkload Load(string traceDir, string workload)
    {
        var rows = TraceCsv.Read(Path.Combine(traceDir, $"openb_pod_list_{workload}.csv"));
        var constraints = new Dictionary<string, DeviceConstraints>(StringComparer.Ordinal);
        var tasks = new List<TraceTask>(rows.Count);
        foreach (var row in rows)
        {
            var gpus = int.Parse(row["num_gpu"], CultureInfo.InvariantCulture);
            var milli = int.Parse(row["gpu_milli"], CultureInfo.InvariantCulture);
            var spec = row.GetValueOrDefault("gpu_spec") ?? string.Empty;
            DeviceConstraints? constraint = null;
            if (spec.Length > 0 && !constraints.TryGetValue(spec, out constraint))
            {
                constraint = new DeviceConstraints { Models = spec.Split('|') };
                constraints.Add(spec, constraint);
            }

            var request = ToRequest(gpus, milli, int.Parse(row["cpu_milli"], CultureInfo.InvariantCulture), long.Parse(row["memory_mib"], CultureInfo.InvariantCulture), constraint);
            tasks.Add(new TraceTask(row["name"], (long)request.Milli * request.DeviceCount, request));
        }

        tasks.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new TraceWorkload(workload, tasks);
    }

    /// <summary>
    /// The allocator request for a task. A share (one GPU, under 1000 milli) takes that milli and the same
    /// fraction of the nominal device memory; <c>num_gpu = k</c> takes k entirely free GPUs; a task
    /// without GPUs takes host resources only (a request with no devices).
    /// </summary>
    public static PlacementRequest ToRequest(int gpus, int milli, int cpuMilli, long memoryMib, DeviceConstraints? constraints)
    {
        var host = memoryMib * TraceCluster.MiB;
        if (gpus == 0)
        {
            return new PlacementRequest { DeviceCount = 0, CpuMilli = cpuMilli, HostMemoryBytes = host, Constraints = constraints };
        }

        if (gpus == 1 && milli < SliceRequest.FullDeviceMilli)
        {
            return new PlacementRequest
            {
                Milli = milli,
                MemoryBytes = milli * TraceCluster.MiB,
                DeviceCount = 1,
                CpuMilli = cpuMilli,
                HostMemoryBytes = host,
                Constraints = constraints,
            };
        }

        return new PlacementRequest
        {
            Milli = SliceRequest.FullDeviceMilli,
            DeviceCount = gpus,
            WholeDevices = true,
            CpuMilli = cpuMilli,
            HostMemoryBytes = host,
            Constraints = constraints,
        };
    }

    /// <summary>The arrival order for one seed.</summary>
    public IReadOnlyList<TraceTask> Arrivals(int seed, long capacityMilli)
    {
        var random = new Random(seed);
        var order = Tasks.ToList();
        for (var i = order.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var target = (long)(capacityMilli * InflationRatio);
        var total = order.Sum(t => t.GpuMilli);
        if (total > target)
        {
            // Drop random tasks (keeping the shuffled order of the rest) until the demand fits.
            var dropped = new bool[order.Count];
            while (total > target)
            {
                var k = random.Next(order.Count);
                if (!dropped[k] && order[k].GpuMilli > 0)
                {
                    dropped[k] = true;
                    total -= order[k].GpuMilli;
                }
            }

            return order.Where((_, k) => !dropped[k]).ToList();
        }

        var clones = 0;
        while (true)
        {
            var sample = Tasks[random.Next(Tasks.Count)];
            if (total + sample.GpuMilli > target)
            {
                break;
            }

            total += sample.GpuMilli;
            order.Add(sample with { Name = sample.Name + "#" + (++clones).ToString(CultureInfo.InvariantCulture) });
        }

        return order;
    }
}
