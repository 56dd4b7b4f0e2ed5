using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Runtime.Leasing;
using GpuPool.Testing;

namespace GpuPool.Benchmarks.Multiplexing;

/// <summary>
/// Compute shares on one device with real ONNX runs: three leases (200/300/500) saturate the CPU device
/// (achieved share of execution time vs configured); then only the 200 lease is busy (its throughput vs
/// alone on the device); then a High-priority lease's light traffic against full Low-priority load
/// (its p99 latency vs alone).
/// </summary>
internal sealed class IsolationBenchmark : IBenchmark
{
    public string Name => "isolation";

    public string Description => "fair scheduler: share accuracy (200/300/500), work conservation, high-priority p99 under load";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var seconds = args.GetDouble("seconds", 10);
        var phaseSeconds = args.GetDouble("phase-seconds", 2);
        var rounds = args.GetInt("rounds", 24);
        var roundSeconds = args.GetDouble("round-seconds", 0.5);
        var lowIsolation = args.Get("low-isolation", "shared") == "process" ? LeaseIsolation.Process : LeaseIsolation.Shared;
        var clients = args.GetInt("clients", 4);
        var size = args.GetInt("size", 256);
        var depth = args.GetInt("depth", 8);
        var batch = args.GetInt("batch", 8);
        var model = TestModels.MatMulChain(size, depth);
        var input = ClosedLoop.Input(batch, size);
        var scheduler = args.Get("scheduler", "fair");
        using var rig = new MultiplexingRig(args.Has("slots") ? args.GetInt("slots", 2) : null, direct: scheduler == "direct");
        Console.WriteLine($"device cpu0: {rig.Device.ComputeUnits} cores, scheduler {scheduler} ({rig.Scheduler.SlotsOf(rig.Device)} run slots when fair); model MatMulChain({size},{depth}) batch {batch}; {clients} clients per lease");

        // 1. Shares under saturation.
        int[] shares = [200, 300, 500];
        var leases = shares.Select(s => rig.Lease(s)).ToArray();
        var models = leases.Select(l => rig.Load(l, model)).ToArray();
        await Saturate(models, input, clients, TimeSpan.FromSeconds(1), cancellationToken);
        var before = leases.Select(rig.Executed).ToArray();
        await Saturate(models, input, clients, TimeSpan.FromSeconds(seconds), cancellationToken);
        var executed = leases.Select((l, i) => (rig.Executed(l) - before[i]).TotalSeconds).ToArray();
        var achieved = executed.Select(e => Math.Round(e / executed.Sum() * 1000, 1)).ToArray();
        var errorPp = shares.Select((s, i) => Math.Abs(achieved[i] - s) / 10).Max();
        Console.WriteLine($"shares      {string.Join(" / ", shares)} milli");
        Console.WriteLine($"achieved    {string.Join(" / ", achieved)} milli of {executed.Sum():0.00} s executed in {seconds} s; max error {errorPp:0.00} pp");

        // 2. Work conservation: the 200 lease busy alone while the others hold their shares idle, vs alone on
        // the device. Short alternating rounds, so that foreign load on the machine hits both sides alike.
        var busy = new double[rounds];
        var alone1 = new double[rounds];
        for (var round = 0; round < rounds; round++)
        {
            // ABBA order: drift and order effects hit both sides alike.
            if (round % 2 == 0)
            {
                busy[round] = await Throughput(rig, leases[0], models[0], input, clients, roundSeconds, cancellationToken);
            }

            rig.Table.Release(leases[1]);
            rig.Table.Release(leases[2]);
            alone1[round] = await Throughput(rig, leases[0], models[0], input, clients, roundSeconds, cancellationToken);
            leases[1] = rig.Lease(300);
            leases[2] = rig.Lease(500);
            if (round % 2 == 1)
            {
                busy[round] = await Throughput(rig, leases[0], models[0], input, clients, roundSeconds, cancellationToken);
            }
        }

        // The median of the ratios of adjacent rounds: foreign load on a shared machine moves both sides of a
        // pair alike, and a burst of it spoils one pair, not the figure.
        var conserving = Percentiles.Of(Percentiles.Sorted(busy.Select((b, i) => b / alone1[i])), 50);
        Console.WriteLine($"work conserving: 200 lease {busy.Sum() / (rounds * roundSeconds):0.0} runs/s with idle neighbours, {alone1.Sum() / (rounds * roundSeconds):0.0} runs/s alone; median paired ratio {conserving:0.000} (sum ratio {busy.Sum() / alone1.Sum():0.000})");
        foreach (var lease in leases)
        {
            rig.Table.Release(lease);
        }

        // 3. High priority: light paced traffic, alone vs against full Low-priority load.
        var high = rig.Lease(200, LeasePriority.High);
        // By default the opportunistic lease runs in the pool's process, next to the High lease;
        // --low-isolation process puts it in a worker process of its own.
        var low = rig.Lease(800, LeasePriority.Low, lowIsolation);
        var highModel = rig.Load(high, model);
        var lowModel = rig.Load(low, model);
        var alone = new List<double>();
        var loaded = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            alone.AddRange(await Paced(highModel, input, phaseSeconds, cancellationToken));
            using var stopLow = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var lowLoad = ClosedLoop.Start(lowModel, input, clients, stopLow.Token);
            await Task.Delay(200, cancellationToken);
            loaded.AddRange(await Paced(highModel, input, phaseSeconds, cancellationToken));
            await stopLow.CancelAsync();
            await lowLoad;
        }

        var p99Alone = Percentiles.Of(Percentiles.Sorted(alone), 99);
        var p99Loaded = Percentiles.Of(Percentiles.Sorted(loaded), 99);
        var priorityRatio = p99Loaded / p99Alone;
        Console.WriteLine($"high priority p99 (low-priority lease isolation: {lowIsolation}): {p99Alone:0.00} ms alone ({alone.Count} runs), {p99Loaded:0.00} ms under low-priority load ({loaded.Count} runs): ratio {priorityRatio:0.000}");

        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = "isolation",
            ["shares"] = shares,
            ["achieved"] = achieved,
            ["max_abs_error_pp"] = Math.Round(errorPp, 2),
            ["work_conserving_ratio"] = Math.Round(conserving, 3),
            ["priority_p99_ratio"] = Math.Round(priorityRatio, 3),
            ["p99_alone_ms"] = Math.Round(p99Alone, 3),
            ["p99_loaded_ms"] = Math.Round(p99Loaded, 3),
            ["low_isolation"] = lowIsolation.ToString().ToLowerInvariant(),
            ["scheduler"] = scheduler,
            ["seconds"] = seconds,
            ["cores"] = rig.Device.ComputeUnits,
        });
        return 0;
    }

    private static async Task Saturate(IReadOnlyList<Runtime.Models.LoadedModel> models, IReadOnlyDictionary<string, TensorValue> input, int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = models.Select(m => ClosedLoop.Start(m, input, clients, stop.Token)).ToArray();
        await Task.Delay(duration, cancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(loops);
    }

    private static async Task<double> Throughput(MultiplexingRig rig, LeaseEntry lease, Runtime.Models.LoadedModel model, IReadOnlyDictionary<string, TensorValue> input, int clients, double seconds, CancellationToken cancellationToken)
    {
        await Saturate([model], input, clients, TimeSpan.FromMilliseconds(100), cancellationToken);
        var before = rig.Runs(lease);
        await Saturate([model], input, clients, TimeSpan.FromSeconds(seconds), cancellationToken);
        return rig.Runs(lease) - before;
    }

    private static async Task<List<double>> Paced(Runtime.Models.LoadedModel model, IReadOnlyDictionary<string, TensorValue> input, double seconds, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loop = ClosedLoop.Start(model, input, 1, stop.Token, TimeSpan.FromMilliseconds(10));
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        await stop.CancelAsync();
        return await loop;
    }
}
