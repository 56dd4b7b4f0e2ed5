using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Remote;

/// <summary>
/// The same model and inputs run in-process (embedded pool) and through a real server on TCP loopback,
/// at concurrency 1 and 4: all-MiniLM-L6-v2 (the samples' sentence encoder, ~30 ms a run here; it returns
/// every token's state, ~170 KiB) and a MatMul chain sized to take just over 5 ms with 32 KiB each way
/// (the hardest case the target allows). inproc_ms / remote_ms are the mean latency of one run;
/// throughput_ratio is remote runs per second over in-process runs per second.
/// </summary>
internal sealed class RemoteInferBenchmark : IBenchmark
{
    public string Name => "remote-infer";

    public string Description => "a real model in-process vs through the server at concurrency 1 and 4: latency and throughput ratio; --model minilm|matmul-chain|all (default all)";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var choice = args.Get("model", "all");
        var seconds = args.GetDouble("seconds", 4);
        var warmup = args.GetDouble("warmup-seconds", 1);
        var workloads = new List<InferWorkload>();
        if (choice is "all" or "minilm")
        {
            workloads.Add(InferWorkload.MiniLm(args.GetInt("sentences", 8)));
        }

        if (choice is "all" or "matmul-chain")
        {
            // 64 layers: a run takes >= 5 ms on these machines even when idle, with small tensors (32 KiB each way).
            workloads.Add(InferWorkload.MatMulChain(args.GetInt("size", 512), args.GetInt("depth", 64), args.GetInt("batch", 16)));
        }

        if (workloads.Count == 0)
        {
            Console.Error.WriteLine($"--model must be minilm, matmul-chain or all; got '{choice}'.");
            return 2;
        }

        foreach (var workload in workloads)
        {
            await RunWorkloadAsync(workload, seconds, warmup, cancellationToken);
        }

        return 0;
    }

    private async Task RunWorkloadAsync(InferWorkload workload, double seconds, double warmup, CancellationToken cancellationToken)
    {
        var (modelName, bytes, inputs) = (workload.Name, workload.ModelBytes, workload.Inputs);
        var embeddedServices = new ServiceCollection().AddLogging();
        embeddedServices.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        await using var embeddedProvider = embeddedServices.BuildServiceProvider();
        await using var server = await BenchServer.StartAsync();
        var remoteServices = new ServiceCollection().AddLogging();
        remoteServices.AddGpuPool().UseServer(server.Address, BenchServer.ApiKey);
        await using var remoteProvider = remoteServices.BuildServiceProvider();

        var request = SliceRequest.ForShare(ByteSize.GiB(1), 1000);
        await using var inprocLease = await embeddedProvider.GetRequiredService<IGpuPool>().LeaseAsync(request, cancellationToken);
        await using var inprocModel = await inprocLease.LoadModelAsync(ModelSource.FromBytes(bytes, modelName), cancellationToken: cancellationToken);
        await using var remoteLease = await remoteProvider.GetRequiredService<IGpuPool>().LeaseAsync(request, cancellationToken);
        await using var remoteModel = await remoteLease.LoadModelAsync(ModelSource.FromBytes(bytes, modelName), cancellationToken: cancellationToken);

        foreach (var concurrency in new[] { 1, 4 })
        {
            // Untimed warm-up of both sides at this concurrency (JIT tiers, ONNX Runtime's first runs, the
            // HTTP/2 flow-control windows), so that the rounds compare steady states.
            await MeasureAsync(inprocModel, inputs, concurrency, warmup / 2, cancellationToken);
            await MeasureAsync(remoteModel, inputs, concurrency, warmup / 2, cancellationToken);

            // Alternating rounds, so that both sides see the same (shared, noisy) machine.
            var inproc = new Sample();
            var remote = new Sample();
            for (var round = 0; round < 4; round++)
            {
                // Which side goes first alternates too.
                if (round % 2 == 0)
                {
                    inproc.Add(await MeasureAsync(inprocModel, inputs, concurrency, seconds / 4, cancellationToken));
                    remote.Add(await MeasureAsync(remoteModel, inputs, concurrency, seconds / 4, cancellationToken));
                }
                else
                {
                    remote.Add(await MeasureAsync(remoteModel, inputs, concurrency, seconds / 4, cancellationToken));
                    inproc.Add(await MeasureAsync(inprocModel, inputs, concurrency, seconds / 4, cancellationToken));
                }

                Console.WriteLine($"  round {round}: in-process {inproc.MeanMs:F2} ms, remote {remote.MeanMs:F2} ms (cumulative)");
            }

            Console.WriteLine($"{modelName} concurrency {concurrency}: in-process {inproc.MeanMs:F2} ms/run ({inproc.PerSecond:F1}/s), remote {remote.MeanMs:F2} ms/run ({remote.PerSecond:F1}/s)");
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["bench"] = Name,
                ["model"] = modelName,
                ["concurrency"] = concurrency,
                ["inproc_ms"] = Math.Round(inproc.MeanMs, 3),
                ["remote_ms"] = Math.Round(remote.MeanMs, 3),
                ["throughput_ratio"] = Math.Round(remote.PerSecond / inproc.PerSecond, 3),
            });
        }
    }

    private static async Task<Sample> MeasureAsync(PooledModel model, IReadOnlyDictionary<string, TensorValue> inputs, int concurrency, double seconds, CancellationToken cancellationToken)
    {
        // A few runs first: the other side has just run.
        for (var i = 0; i < 3; i++)
        {
            await model.RunAsync(inputs, cancellationToken);
        }

        long runs = 0;
        double totalMs = 0;
        var clock = Stopwatch.StartNew();
        // Task.Run: an in-process run may complete synchronously, and workers must overlap.
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            long mine = 0;
            double ms = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var start = Stopwatch.GetTimestamp();
                await model.RunAsync(inputs, cancellationToken);
                ms += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                mine++;
            }

            Interlocked.Add(ref runs, mine);
            lock (clock)
            {
                totalMs += ms;
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        return new Sample { Runs = runs, TotalMs = totalMs, Seconds = clock.Elapsed.TotalSeconds };
    }

    private sealed class Sample
    {
        public long Runs { get; set; }

        public double TotalMs { get; set; }

        public double Seconds { get; set; }

        public double MeanMs => TotalMs / Runs;

        public double PerSecond => Runs / Seconds;

        public void Add(Sample other)
        {
            Runs += other.Runs;
            TotalMs += other.TotalMs;
            Seconds += other.Seconds;
        }
    }
}
