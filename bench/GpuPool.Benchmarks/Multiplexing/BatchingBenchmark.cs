using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Testing;

namespace GpuPool.Benchmarks.Multiplexing;

/// <summary>16 concurrent clients on one batchable model (one row per request), dynamic batching off vs on.</summary>
internal sealed class BatchingBenchmark : IBenchmark
{
    public string Name => "batching";

    public string Description => "dynamic batching: requests per second of 16 concurrent clients, batching off vs on";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var clients = args.GetInt("clients", 16);
        var seconds = args.GetDouble("seconds", 3);
        var size = args.GetInt("size", 256);
        var depth = args.GetInt("depth", 8);
        var delay = TimeSpan.FromMilliseconds(args.GetDouble("delay-ms", 2));
        var model = TestModels.MatMulChain(size, depth);
        var input = ClosedLoop.Input(1, size);
        using var rig = new MultiplexingRig();
        var lease = rig.Lease(1000);
        var off = rig.Load(lease, model);
        var on = rig.Load(lease, model, new BatchingOptions { MaxBatchSize = clients, MaxQueueDelay = delay });
        Console.WriteLine($"model MatMulChain({size},{depth}), 1 row per request, {clients} clients, {seconds} s per mode, max delay {delay.TotalMilliseconds} ms");

        double offTotal = 0, onTotal = 0;
        List<double> offLatency = [], onLatency = [];
        for (var round = 0; round < 2; round++)
        {
            var offRound = await Measure(off, input, clients, seconds, cancellationToken);
            var onRound = await Measure(on, input, clients, seconds, cancellationToken);
            offTotal += offRound.Count;
            onTotal += onRound.Count;
            offLatency.AddRange(offRound);
            onLatency.AddRange(onRound);
        }

        var throughputOff = offTotal / (2 * seconds);
        var throughputOn = onTotal / (2 * seconds);
        var p50Off = Percentiles.Of(Percentiles.Sorted(offLatency), 50);
        var p50On = Percentiles.Of(Percentiles.Sorted(onLatency), 50);
        Console.WriteLine($"batching off: {throughputOff:0.0} req/s, p50 {p50Off:0.00} ms");
        Console.WriteLine($"batching on:  {throughputOn:0.0} req/s, p50 {p50On:0.00} ms");
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = "batching",
            ["clients"] = clients,
            ["throughput_off"] = Math.Round(throughputOff, 1),
            ["throughput_on"] = Math.Round(throughputOn, 1),
            ["speedup"] = Math.Round(throughputOn / throughputOff, 2),
            ["p50_off_ms"] = Math.Round(p50Off, 3),
            ["p50_on_ms"] = Math.Round(p50On, 3),
        });
        return 0;
    }

    private static async Task<List<double>> Measure(Runtime.Models.LoadedModel model, IReadOnlyDictionary<string, TensorValue> input, int clients, double seconds, CancellationToken cancellationToken)
    {
        using (var warm = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var warming = ClosedLoop.Start(model, input, clients, warm.Token);
            await Task.Delay(300, cancellationToken);
            await warm.CancelAsync();
            await warming;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loop = ClosedLoop.Start(model, input, clients, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        await stop.CancelAsync();
        return await loop;
    }
}
