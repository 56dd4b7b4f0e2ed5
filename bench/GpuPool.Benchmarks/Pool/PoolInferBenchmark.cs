using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Benchmarks.Remote;
using GpuPool.Server.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Pool;

/// <summary>
/// remote-infer through a pool of three servers (PostgreSQL started here, the SDK given the three addresses,
/// one lease per node) against one server in the same run, at the same concurrency; then one server of the
/// pool stopped: failover_ms is the time from the stop until a new lease runs the model on a live node.
/// </summary>
internal sealed class PoolInferBenchmark : IBenchmark
{
    public string Name => "pool-infer";

    public string Description => "a model through a pool of 3 servers vs 1 server: throughput ratio, and the failover time when a server stops (needs PostgreSQL 15)";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        if (PostgresServer.Missing is { } missing)
        {
            Console.Error.WriteLine(missing);
            return 2;
        }

        var seconds = args.GetDouble("seconds", 4);
        var concurrency = args.GetInt("concurrency", 6);
        var workload = InferWorkload.MatMulChain(args.GetInt("size", 256), args.GetInt("depth", 16), args.GetInt("batch", 8));
        var request = SliceRequest.ForShare(ByteSize.GiB(1), 300);
        await using var postgres = await PostgresServer.StartAsync();
        await using var pool = await PoolBenchServers.StartAsync(await postgres.CreateDatabaseAsync(), 3);
        await using var single = await BenchServer.StartAsync();
        await using var poolApp = Sdk(s => s.UseServers(pool.Addresses, BenchServer.ApiKey));
        await using var singleApp = Sdk(s => s.UseServer(single.Address, BenchServer.ApiKey));

        var poolModels = await LoadAsync(poolApp.GetRequiredService<IGpuPool>(), request, workload, 3, cancellationToken);
        var singleModels = await LoadAsync(singleApp.GetRequiredService<IGpuPool>(), request, workload, 3, cancellationToken);
        await MeasureAsync(singleModels.Models, workload, concurrency, seconds / 4, cancellationToken);
        await MeasureAsync(poolModels.Models, workload, concurrency, seconds / 4, cancellationToken);
        double singleRuns = 0, poolRuns = 0;
        for (var round = 0; round < 4; round++)
        {
            // Alternating, so that both see the same (shared, noisy) machine.
            singleRuns += await MeasureAsync(singleModels.Models, workload, concurrency, seconds / 4, cancellationToken);
            poolRuns += await MeasureAsync(poolModels.Models, workload, concurrency, seconds / 4, cancellationToken);
        }

        var failover = await FailoverAsync(pool, poolApp.GetRequiredService<IGpuPool>(), request, workload, cancellationToken);
        Console.WriteLine($"{workload.Name} concurrency {concurrency}: single server {singleRuns / seconds:F1} runs/s, pool of 3 {poolRuns / seconds:F1} runs/s; failover {failover.TotalMilliseconds:F0} ms");
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = Name,
            ["servers"] = 3,
            ["model"] = workload.Name,
            ["concurrency"] = concurrency,
            ["single_runs_per_s"] = Math.Round(singleRuns / seconds, 1),
            ["pool_runs_per_s"] = Math.Round(poolRuns / seconds, 1),
            ["throughput_ratio_vs_single"] = Math.Round(poolRuns / singleRuns, 3),
            ["failover_ms"] = Math.Round(failover.TotalMilliseconds, 1),
            ["grace_ms"] = PoolBenchServers.Grace.TotalMilliseconds,
        });
        await poolModels.DisposeAsync();
        await singleModels.DisposeAsync();
        return 0;
    }

    private static ServiceProvider Sdk(Action<IGpuPoolBuilder> use)
    {
        var services = new ServiceCollection().AddLogging();
        use(services.AddGpuPool());
        return services.BuildServiceProvider();
    }

    private static async Task<LoadedModels> LoadAsync(IGpuPool pool, SliceRequest request, InferWorkload workload, int count, CancellationToken cancellationToken)
    {
        var loaded = new LoadedModels();
        for (var i = 0; i < count; i++)
        {
            var lease = await pool.LeaseAsync(request, cancellationToken);
            loaded.Leases.Add(lease);
            loaded.Models.Add(await lease.LoadModelAsync(ModelSource.FromBytes(workload.ModelBytes, workload.Name), cancellationToken: cancellationToken));
        }

        return loaded;
    }

    /// <summary>Runs with <paramref name="concurrency"/> workers spread over the models for <paramref name="seconds"/>; returns the runs done.</summary>
    private static async Task<long> MeasureAsync(List<PooledModel> models, InferWorkload workload, int concurrency, double seconds, CancellationToken cancellationToken)
    {
        long runs = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(
            async () =>
            {
                var model = models[w % models.Count];
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    await model.RunAsync(workload.Inputs, cancellationToken);
                    Interlocked.Increment(ref runs);
                }
            },
            cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        return runs;
    }

    /// <summary>Stops the first server; the time until a lease taken then runs the model (on a live node).</summary>
    private static async Task<TimeSpan> FailoverAsync(PoolBenchServers pool, IGpuPool app, SliceRequest request, InferWorkload workload, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await pool.StopAsync(0);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(PoolBenchServers.Grace * 10);
        while (true)
        {
            cancellationToken = limit.Token;
            try
            {
                await using var lease = await app.LeaseAsync(request, cancellationToken);
                await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(workload.ModelBytes, workload.Name), cancellationToken: cancellationToken);
                await model.RunAsync(workload.Inputs, cancellationToken);
                return clock.Elapsed;
            }
            catch (GpuPoolRejectedException)
            {
                // Placed on the stopped node before the pool declared it dead: try again.
            }
        }
    }
}
