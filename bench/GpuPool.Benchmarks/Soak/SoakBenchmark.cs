using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Benchmarks.Soak;

/// <summary>
/// A bounded soak against a real server in a child process on TCP loopback: many clients lease, load, run and release
/// with random sizes while an invariant checker watches; prints the server's memory at the start and at the end.
/// </summary>
internal sealed class SoakBenchmark : IBenchmark
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    public string Name => "soak";

    public string Description => "soak a server child process (lease, load, run, release; random sizes) with an invariant checker: --seconds 120 --clients 64 [--hostile --budget-mb 256]";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        if (args.Has("hostile"))
        {
            return await HostileSoak.RunAsync(args, cancellationToken);
        }

        var seconds = args.GetInt("seconds", 120);
        var clients = args.GetInt("clients", 64);
        var seed = args.GetInt("seed", 7);
        // The server's first seconds hold its start-up (JIT, GC heaps growing to their working size, ONNX Runtime's
        // first sessions); the same load runs unmeasured first so the first 10 s window shows the steady state.
        var warmup = args.GetInt("warmup", 20);
        await using var server = await SoakServerProcess.StartAsync(args.Get("server-dll"), cancellationToken);
        Console.WriteLine($"server pid {server.ProcessId} on {server.Address}; {clients} clients for {seconds} s (warm-up {warmup} s), seed {seed}");
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
        var leases = new V1.Leases.LeasesClient(channel);
        var inference = new V1.Inference.InferenceClient(channel);
        var clientKey = new Metadata { { ErrorKinds.ApiKeyHeader, server.ClientKey } };
        var adminKey = new Metadata { { ErrorKinds.ApiKeyHeader, server.AdminKey } };

        if (warmup > 0)
        {
            var warm = new SoakLedger();
            await RunClientsAsync(clients, seed + 1000, TimeSpan.FromSeconds(warmup), leases, inference, clientKey, warm);
            Console.WriteLine($"warm-up: {warm.Ops} ops, {warm.Violations.Count} violations");
        }

        var ledger = new SoakLedger();
        var checker = new SoakInvariantChecker(new V1.Admin.AdminClient(channel), leases, inference, adminKey, clientKey, ledger);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var memory = new List<(TimeSpan At, double Mb)>();
        var clock = Stopwatch.StartNew();
        var sampler = SampleMemoryAsync(server, memory, clock, stop.Token);
        var watcher = checker.WatchAsync(stop.Token);
        var load = RunClientsAsync(clients, seed, TimeSpan.FromSeconds(seconds), leases, inference, clientKey, ledger);
        await load;
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(sampler, watcher);
        memory.Add((elapsed, server.ResidentMegabytes()));
        await checker.CheckEndAsync();

        var latencies = Percentiles.Sorted(ledger.Latencies);
        var memStart = memory.Where(m => m.At <= Window).Average(m => m.Mb);
        var memEnd = memory.Where(m => m.At >= elapsed - Window).Average(m => m.Mb);
        Console.WriteLine($"leases granted {ledger.Leases.Count} ({ledger.Leases.Count(l => l.Abandoned)} abandoned to expire), acquisitions that timed out waiting {ledger.Rejected}, inventory samples {checker.Samples}");
        Console.WriteLine($"p50 {Percentiles.Of(latencies, 50):F2} ms, p99 {Percentiles.Of(latencies, 99):F2} ms; server RSS first 10 s {memStart:F1} MiB, last 10 s {memEnd:F1} MiB ({(memEnd / memStart - 1) * 100:F1}%)");
        Console.WriteLine("server RSS every 10 s (MiB): " + string.Join(" ", memory.GroupBy(m => (int)(m.At.TotalSeconds / 10)).Select(g => g.Average(m => m.Mb).ToString("F0", System.Globalization.CultureInfo.InvariantCulture))));
        foreach (var violation in ledger.Violations.Take(20))
        {
            Console.WriteLine("VIOLATION " + violation);
        }

        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = "soak",
            ["ops"] = ledger.Ops,
            ["ops_per_s"] = Math.Round(ledger.Ops / elapsed.TotalSeconds, 1),
            ["p99_ms"] = Math.Round(Percentiles.Of(latencies, 99), 2),
            ["violations"] = ledger.Violations.Count,
            ["server_mem_start_mb"] = Math.Round(memStart, 1),
            ["server_mem_end_mb"] = Math.Round(memEnd, 1),
            ["warmup_s"] = warmup,
        });
        return ledger.Violations.Count == 0 ? 0 : 1;
    }

    internal static async Task RunClientsAsync(int clients, int seed, TimeSpan duration, V1.Leases.LeasesClient leases, V1.Inference.InferenceClient inference, Metadata key, SoakLedger ledger)
    {
        using var stop = new CancellationTokenSource(duration);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => new SoakClient(i, leases, inference, key, ledger, seed).RunAsync(stop.Token))));
    }

    private static async Task SampleMemoryAsync(SoakServerProcess server, List<(TimeSpan At, double Mb)> samples, Stopwatch clock, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            lock (samples)
            {
                samples.Add((clock.Elapsed, server.ResidentMegabytes()));
            }

            try
            {
                await Task.Delay(500, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
