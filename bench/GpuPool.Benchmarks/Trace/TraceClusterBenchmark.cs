using System.Diagnostics;
using System.Globalization;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Cluster.Schema;
using GpuPool.Runtime.Placement;
using GpuPool.Server.TestHost;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace GpuPool.Benchmarks.Trace;

/// <summary>
/// <c>trace --cluster</c>: the trace replayed through the cluster (<see cref="ClusterTraceReplay"/>) on a PostgreSQL
/// this run starts, one database per seed with the trace's nodes registered; the in-process replay of the same
/// seeds in the same run for comparison. Checks the rows at the end: no device, node CPU or host memory
/// over-committed, and the database grants what the replay counted.
/// </summary>
internal static class TraceClusterBenchmark
{
    // Nodes whose live leases take more CPU or host memory than the node declares.
    private const string OverCommittedNodes = """
        SELECT count(*) FROM gpupool_nodes n
        JOIN LATERAL (
            SELECT sum(l.cpu_milli) AS cpu, sum(l.host_memory_bytes) AS host FROM gpupool_leases l
            WHERE l.node_id = n.node_id AND l.node_epoch = n.epoch AND l.ended_at IS NULL AND l.expires_at > now()) u ON true
        WHERE (n.cpu_milli > 0 AND u.cpu > n.cpu_milli) OR (n.host_memory_bytes > 0 AND u.host > n.host_memory_bytes)
        """;

    private const string GrantedMilli = "SELECT coalesce(sum(milli::bigint * cardinality(device_ids)), 0) FROM gpupool_leases WHERE ended_at IS NULL";

    public static async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        if (PostgresServer.Missing is { } missing)
        {
            await Console.Error.WriteLineAsync(missing);
            return 1;
        }

        var traceDir = args.Get("trace-dir", Path.Combine("..", "shared", "data", "alibaba-gpu-v2023"));
        var workloadName = args.Get("workload", "default");
        var policy = args.Get("policy", PlacementPolicies.Default);
        var seeds = TraceBenchmark.ParseSeeds(args.Get("seeds", "42"));

        // The server's view reads the pool again before every refusal (the default); --trust-announced-ends answers
        // from the view while no lease it counts can have ended unannounced (PoolView's option).
        var trust = args.Has("trust-announced-ends");
        var nodes = TraceCluster.Load(traceDir);
        var workload = TraceWorkload.Load(traceDir, workloadName);
        var mix = ShapeMix.From(workload.Tasks.Select(t => t.Request));
        Console.WriteLine($"trace --cluster {workloadName}: {nodes.Count} nodes, {nodes.Sum(n => n.Devices.Count)} GPUs, policy {policy}, seeds {string.Join(',', seeds)}");

        var inProcess = seeds.Select(seed => TraceReplay.Run(nodes, workload, mix, policy, seed, null)).ToList();
        await using var postgres = await PostgresServer.StartAsync();
        var clock = Stopwatch.StartNew();
        var results = new List<ClusterSeedResult>();
        var violations = 0L;
        var tasks = 0;
        foreach (var seed in seeds)
        {
            // As the server builds its data source: statements prepared per connection, no session reset on return.
            var connection = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync(maxPoolSize: 8)) { MaxAutoPrepare = 32, NoResetOnClose = true };
            await using var database = NpgsqlDataSource.Create(connection.ConnectionString);
            await new ClusterMigrator(database, NullLogger.Instance).MigrateAsync(cancellationToken: cancellationToken);
            var writer = await ClusterTraceReplay.RegisterAsync(database, nodes, cancellationToken);
            var result = await ClusterTraceReplay.RunAsync(database, writer, nodes, workload, mix, policy, seed, trust, cancellationToken);
            var devices = await ClusterInvariants.OverCommittedAsync(database, cancellationToken);
            var hosts = await ScalarAsync(database, OverCommittedNodes, cancellationToken);
            var mismatch = await ScalarAsync(database, GrantedMilli, cancellationToken) == result.AllocatedMilliAtEnd ? 0 : 1;
            violations += devices + hosts + mismatch;
            tasks += result.DecisionMicros.Length;
            results.Add(result);
            var reference = inProcess[seeds.IndexOf(seed)];
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"seed {seed}: cluster {result.UnallocatedPct:F3}% unallocated, in-process {reference.UnallocatedPct:F3}%, same decisions {result.SameDecisions}/{result.DecisionMicros.Length}, conflicts {result.Conflicts}, view reads {result.ViewReads}, over-committed devices {devices}, nodes {hosts}"));
        }

        var latencies = Percentiles.Sorted(results.SelectMany(r => r.DecisionMicros));
        var inProcessLatencies = Percentiles.Sorted(inProcess.SelectMany(r => r.DecisionMicros));
        var mean = results.Average(r => r.UnallocatedPct);
        var inProcessMean = inProcess.Average(r => r.UnallocatedPct);
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = "trace",
            ["cluster"] = true,
            ["workload"] = workloadName,
            ["policy"] = policy,
            ["view_trusts_announced_ends"] = trust,
            ["nodes"] = nodes.Count,
            ["tasks"] = tasks,
            ["seeds"] = seeds.Count,
            ["unalloc_pct_mean"] = Math.Round(mean, 3),
            ["inprocess_unalloc_pct_mean"] = Math.Round(inProcessMean, 3),
            ["diff_pp"] = Math.Round(mean - inProcessMean, 3),
            ["same_decisions_pct"] = Math.Round(results.Sum(r => r.SameDecisions) * 100.0 / tasks, 3),
            ["decision_p50_us"] = Math.Round(Percentiles.Of(latencies, 50), 1),
            ["decision_p99_us"] = Math.Round(Percentiles.Of(latencies, 99), 1),
            ["decision_max_us"] = Math.Round(latencies[^1], 1),
            ["inprocess_decision_p99_us"] = Math.Round(Percentiles.Of(inProcessLatencies, 99), 1),
            ["conflicts"] = results.Sum(r => r.Conflicts),
            ["view_reads"] = results.Sum(r => r.ViewReads),
            ["barriers_passed"] = results.Sum(r => r.BarriersPassed),
            ["violations"] = violations,
            ["wall_s"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
        });
        return violations == 0 ? 0 : 2;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource database, string sql, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}
