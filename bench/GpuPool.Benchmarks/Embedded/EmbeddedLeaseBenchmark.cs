using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Embedded;

/// <summary>Lease + release round trips on the embedded pool, through the public API (IGpuPool from DI).</summary>
internal sealed class EmbeddedLeaseBenchmark : IBenchmark
{
    public string Name => "embedded-lease";

    public string Description => "embedded LeaseAsync + DisposeAsync round trip: p50/p99 latency and pairs per second";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var iterations = args.GetInt("iterations", 200_000);
        var seconds = args.GetDouble("seconds", 3);
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().ConfigureRuntime(o => o.SimulatedDevices.Add(new Runtime.SimulatedDeviceOptions { Model = "A100", Count = 4, MemoryGiB = 80 }));
        await using var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<IGpuPool>();
        var request = SliceRequest.ForShare(ByteSize.MiB(512), 250);

        // Warm-up: JIT, tiered compilation, pools.
        for (var i = 0; i < 50_000; i++)
        {
            await using var lease = await pool.LeaseAsync(request, cancellationToken);
        }

        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var lease = await pool.LeaseAsync(request, cancellationToken);
            await lease.DisposeAsync();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(samples);
        long pairs = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 1000; i++)
            {
                var lease = await pool.LeaseAsync(request, cancellationToken);
                await lease.DisposeAsync();
            }

            pairs += 1000;
        }

        var opsPerSecond = pairs / clock.Elapsed.TotalSeconds;
        var p50 = Percentiles.Of(samples, 50);
        var p99 = Percentiles.Of(samples, 99);
        Console.WriteLine($"embedded lease+release: {iterations} timed pairs, p50 {p50:F2} us, p99 {p99:F2} us; {opsPerSecond:F0} pairs/s over {clock.Elapsed.TotalSeconds:F1} s");
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = Name,
            ["p50_us"] = Math.Round(p50, 2),
            ["p99_us"] = Math.Round(p99, 2),
            ["ops_per_s"] = Math.Round(opsPerSecond),
        });
        return 0;
    }
}
