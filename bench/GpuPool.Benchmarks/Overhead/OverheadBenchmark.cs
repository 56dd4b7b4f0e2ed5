using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Benchmarks.Memory;
using GpuPool.Benchmarks.Remote;
using GpuPool.Server.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Overhead;

/// <summary>
/// What a lease costs a model run: three models (a tiny MLP, the samples' MiniLM, ResNet18 at 224×224), each run
/// by a plain <see cref="Microsoft.ML.OnnxRuntime.InferenceSession"/> with default options, in a lease of the
/// embedded pool alone on the CPU device, and in a lease of a server in this process over TCP loopback (and a Unix
/// socket), in rounds of the same process that rotate the order of the sides. The embedded figures (plain_ms, lease_ms,
/// ratio) are measured before the server starts: its OpenTelemetry meter provider would observe the embedded pool's
/// instruments too (observed_ratio is the embedded ratio measured while it does). Times are medians of per-run latencies;
/// ratio = plain / lease (1.0 is parity), remote_ratio = plain / remote and remote_added_us = remote − lease are
/// medians over rounds of the same figure from each round's medians (a shared machine's foreign load moves the
/// sides of one round alike).
/// </summary>
internal sealed class OverheadBenchmark : IBenchmark
{
    public string Name => "overhead";

    public string Description => "a run in a lone lease (embedded and remote over TCP / a Unix socket) vs a plain InferenceSession: mlp, minilm, resnet18; --model, --rounds, --round-seconds, --milli";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var choice = args.Get("model", "all");
        var rounds = args.GetInt("rounds", 15);
        var roundSeconds = args.GetDouble("round-seconds", 0.25);
        var milli = args.GetInt("milli", 250);
        var models = AccountingModel.All.Where(m => choice == "all" || string.Equals(m.Name, choice, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (models.Length == 0)
        {
            Console.Error.WriteLine($"--model must be all or one of {string.Join(", ", AccountingModel.All.Select(m => m.Name))}; got '{choice}'.");
            return 2;
        }

        // The embedded pool starts ONNX Runtime (with its global thread pool) before any plain session exists,
        // as an application that uses the pool does.
        var embeddedServices = new ServiceCollection().AddLogging();
        embeddedServices.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        await using var embeddedProvider = embeddedServices.BuildServiceProvider();
        var embedded = embeddedProvider.GetRequiredService<IGpuPool>();
        await using var probe = await embedded.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), milli), cancellationToken);
        await probe.DisposeAsync();

        // Phase 1, the embedded figures: plain session and lease alone in the process. The in-process server of
        // phase 2 observes every meter named GpuPool.Runtime through its OpenTelemetry provider, the embedded pool's
        // too, which an application without telemetry does not pay; phase 2 reports the lease under it as well.
        var embeddedFigures = new Dictionary<string, (double PlainUs, double LeaseUs, double Ratio)>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            var bytes = model.Bytes();
            await using var lease = await embedded.LeaseAsync(SliceRequest.ForShare(ByteSize.GiB(1), milli), cancellationToken);
            await using var leased = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, model.Name), cancellationToken: cancellationToken);
            var inputs = model.Inputs(leased.Inputs);
            using var plain = new PlainSession(bytes, inputs);
            OverheadSide[] sides =
            [
                new("plain", () => { plain.Run(); return ValueTask.CompletedTask; }),
                new("lease", async () => await leased.RunAsync(inputs, cancellationToken)),
            ];
            await MeasureAsync(sides, rounds, roundSeconds, cancellationToken);
            embeddedFigures[model.Name] = (sides[0].MedianUs, sides[1].MedianUs, sides[0].PairedMedian(sides[1], static (p, l) => p / l));
        }

        var socket = Path.Combine(Path.GetTempPath(), $"gpupool-overhead-{Environment.ProcessId}.sock");
        await using var server = await BenchServer.StartAsync(new Dictionary<string, string?> { ["GpuPoolServer:UnixSocketPath"] = socket });
        await using var tcp = Remote(b => b.UseServer(server.Address, BenchServer.ApiKey));
        await using var uds = Remote(b => b.UseServerUnixSocket(socket, BenchServer.ApiKey));
        Console.WriteLine($"{Environment.ProcessorCount} cores; lease share {milli} milli; {rounds} rounds of {roundSeconds} s per side");

        foreach (var model in models)
        {
            var bytes = model.Bytes();
            var request = SliceRequest.ForShare(ByteSize.GiB(1), milli);
            await using var lease = await embedded.LeaseAsync(request, cancellationToken);
            await using var leased = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, model.Name), cancellationToken: cancellationToken);
            var inputs = model.Inputs(leased.Inputs);
            using var plain = new PlainSession(bytes, inputs);
            await using var tcpLease = await tcp.GetRequiredService<IGpuPool>().LeaseAsync(request, cancellationToken);
            await using var tcpModel = await tcpLease.LoadModelAsync(ModelSource.FromBytes(bytes, model.Name), cancellationToken: cancellationToken);
            await using var udsLease = await uds.GetRequiredService<IGpuPool>().LeaseAsync(request, cancellationToken);
            await using var udsModel = await udsLease.LoadModelAsync(ModelSource.FromBytes(bytes, model.Name), cancellationToken: cancellationToken);

            OverheadSide[] sides =
            [
                new("plain", () => { plain.Run(); return ValueTask.CompletedTask; }),
                new("lease", async () => await leased.RunAsync(inputs, cancellationToken)),
                new("tcp", async () => await tcpModel.RunAsync(inputs, cancellationToken)),
                new("uds", async () => await udsModel.RunAsync(inputs, cancellationToken)),
            ];
            var runs = await MeasureAsync(sides, rounds, roundSeconds, cancellationToken);

            var (plain0, lease0, tcp0, uds0) = (sides[0], sides[1], sides[2], sides[3]);
            var (tcpUs, udsUs) = (tcp0.MedianUs, uds0.MedianUs);
            var alone = embeddedFigures[model.Name];
            Console.WriteLine($"{model.Name}: plain {alone.PlainUs:F1} µs, lease {alone.LeaseUs:F1} µs alone; with the server in the process: plain {plain0.MedianUs:F1} µs, lease {lease0.MedianUs:F1} µs, remote tcp {tcpUs:F1} µs, uds {udsUs:F1} µs ({runs} runs a round)");
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["bench"] = Name,
                ["model"] = model.Name,
                ["plain_ms"] = Math.Round(alone.PlainUs / 1000, 4),
                ["lease_ms"] = Math.Round(alone.LeaseUs / 1000, 4),
                ["ratio"] = Math.Round(alone.Ratio, 3),
                ["remote_ms"] = Math.Round(tcpUs / 1000, 4),
                ["remote_ratio"] = Math.Round(plain0.PairedMedian(tcp0, static (p, r) => p / r), 3),
                ["remote_added_us"] = Math.Round(tcp0.PairedMedian(lease0, static (r, l) => r - l), 1),
                ["observed_ratio"] = Math.Round(plain0.PairedMedian(lease0, static (p, l) => p / l), 3),
            });
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["bench"] = "overhead-uds",
                ["model"] = model.Name,
                ["remote_ms"] = Math.Round(udsUs / 1000, 4),
                ["remote_ratio"] = Math.Round(plain0.PairedMedian(uds0, static (p, r) => p / r), 3),
                ["remote_added_us"] = Math.Round(uds0.PairedMedian(lease0, static (r, l) => r - l), 1),
            });
        }

        return 0;
    }

    /// <summary>Warms every side up, then measures them in rounds of rotating order; returns the runs per round.</summary>
    private static async Task<int> MeasureAsync(OverheadSide[] sides, int rounds, double roundSeconds, CancellationToken cancellationToken)
    {
        var runs = await RunsPerRoundAsync(sides[0], roundSeconds, cancellationToken);
        foreach (var side in sides)
        {
            await side.MeasureAsync(Math.Max(3, runs / 4), record: false, cancellationToken);
        }

        // Rotating order: drift and foreign load on a shared machine hit every side alike.
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < sides.Length; i++)
            {
                await sides[(round + i) % sides.Length].MeasureAsync(runs, record: true, cancellationToken);
            }
        }

        return runs;
    }

    private static ServiceProvider Remote(Action<IGpuPoolBuilder> server)
    {
        var services = new ServiceCollection().AddLogging();
        server(services.AddGpuPool());
        return services.BuildServiceProvider();
    }

    /// <summary>How many runs of the plain session take about <paramref name="seconds"/> (after a warm-up).</summary>
    private static async Task<int> RunsPerRoundAsync(OverheadSide plain, double seconds, CancellationToken cancellationToken)
    {
        await plain.MeasureAsync(5, record: false, cancellationToken);
        var clock = Stopwatch.StartNew();
        var runs = 0;
        while (clock.Elapsed.TotalSeconds < seconds / 4)
        {
            await plain.MeasureAsync(1, record: false, cancellationToken);
            runs++;
        }

        return Math.Max(5, runs * 4);
    }
}
