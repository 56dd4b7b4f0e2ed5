using System.Diagnostics;
using System.Globalization;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Runtime.Placement;

namespace GpuPool.Benchmarks.Trace;

/// <summary>
/// Replays Alibaba's GPU-sharing trace (cluster-trace-gpu-v2023) through the product's allocator with the
/// FGD paper's method and compares placement policies by the GPU capacity left unallocated when demand
/// reaches 100% of capacity.
/// </summary>
internal sealed class TraceBenchmark : IBenchmark
{
    public string Name => "trace";

    public string Description => "Alibaba GPU trace replay: --trace-dir <dir> --workload default --policy <name[,name]|all> (Random, DotProduct, Packing, BestFit, FGD = given the mix, FGD-online, Default) --seeds 42-51 [--dump file.csv] [--warmup 1 (untimed seeds first)]; --cluster [--policy Default --seeds 42 --trust-announced-ends]: through the cluster's placement and grants on PostgreSQL, against the in-process replay";

    public Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        if (args.Has("cluster"))
        {
            return TraceClusterBenchmark.RunAsync(args, cancellationToken);
        }

        var traceDir = args.Get("trace-dir") ?? throw new ArgumentException("--trace-dir <folder with openb_*.csv> is required.");
        var workloadName = args.Get("workload", "default");
        var policyArg = args.Get("policy", "all");
        var seeds = ParseSeeds(args.Get("seeds", "42-51"));
        var warmups = args.GetInt("warmup", 1);
        var policies = string.Equals(policyArg, "all", StringComparison.OrdinalIgnoreCase)
            ? TracePolicies.All
            : policyArg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var nodes = TraceCluster.Load(traceDir);
        var workload = TraceWorkload.Load(traceDir, workloadName);
        var mix = ShapeMix.From(workload.Tasks.Select(t => t.Request));
        var published = PublishedResults.Load(traceDir);
        using var dump = args.Get("dump") is { } dumpPath ? new StreamWriter(dumpPath) : null;
        dump?.WriteLine("seed,seq,pod,node,gpus,gpu_milli");

        Console.WriteLine($"trace {workloadName}: {nodes.Count} nodes, {nodes.Sum(n => n.Devices.Count)} GPUs, {workload.Tasks.Count} tasks, seeds {string.Join(',', seeds)}");
        Console.WriteLine("policy       unalloc%   sd     published  diff    frag%   p50us    p99us    wall_s");
        var lines = new List<Dictionary<string, object?>>();
        foreach (var policy in policies)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Warm-up (untimed, its own allocator and seed): JIT tiering would otherwise time unoptimised code.
            for (var w = 0; w < warmups; w++)
            {
                TraceReplay.Run(nodes, workload, mix, policy, seeds[0] - 1000 - w, null);
            }

            var clock = Stopwatch.StartNew();
            var results = seeds.Select(seed => TraceReplay.Run(nodes, workload, mix, policy, seed, dump)).ToList();
            var wall = clock.Elapsed.TotalSeconds;
            var unalloc = results.Select(r => r.UnallocatedPct).ToArray();
            var mean = unalloc.Average();
            var sd = Math.Sqrt(unalloc.Sum(u => (u - mean) * (u - mean)) / Math.Max(1, unalloc.Length - 1));
            var frag = results.Average(r => r.FragRatePct);
            var latencies = Percentiles.Sorted(results.SelectMany(r => r.DecisionMicros));
            var p50 = Percentiles.Of(latencies, 50);
            var p99 = Percentiles.Of(latencies, 99);
            var reference = PublishedResults.Find(published, workloadName, policy);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{policy,-12} {mean,7:F2}  {sd,5:F2}   {(reference is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) : "-"),7}  {(reference is { } r2 ? (mean - r2).ToString("+0.00;-0.00", CultureInfo.InvariantCulture) : "-"),6}  {frag,6:F2}  {p50,7:F1}  {p99,7:F1}  {wall,7:F1}"));
            lines.Add(new Dictionary<string, object?>
            {
                ["bench"] = Name,
                ["workload"] = workloadName,
                ["policy"] = policy,
                ["unalloc_pct_mean"] = Math.Round(mean, 3),
                ["unalloc_pct_sd"] = Math.Round(sd, 3),
                ["frag_rate_pct"] = Math.Round(frag, 2),
                ["decision_p50_us"] = Math.Round(p50, 1),
                ["decision_p99_us"] = Math.Round(p99, 1),
                ["published_unalloc_pct"] = reference,
                ["seeds"] = seeds.Count,
                ["wall_s"] = Math.Round(wall, 1),
                ["warmup_seeds"] = warmups,
            });
        }

        foreach (var line in lines)
        {
            JsonLine.Write(line);
        }

        return Task.FromResult(0);
    }

    /// <summary>Seeds from a list of numbers and ranges (<c>42-51,60</c>).</summary>
    public static List<int> ParseSeeds(string text)
    {
        var seeds = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1);
            if (dash > 0)
            {
                var first = int.Parse(part[..dash], CultureInfo.InvariantCulture);
                var last = int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture);
                if (last < first)
                {
                    throw new ArgumentException($"--seeds range '{part}' ends before it starts.");
                }

                seeds.AddRange(Enumerable.Range(first, last - first + 1));
            }
            else
            {
                seeds.Add(int.Parse(part, CultureInfo.InvariantCulture));
            }
        }

        return seeds.Count > 0 ? seeds : throw new ArgumentException("--seeds must name at least one seed (for example 42-51).");
    }
}
