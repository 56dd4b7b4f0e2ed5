using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Dashboard;

/// <summary>
/// The dashboard's leases page rendered (server-side, full HTML over HTTP) for a pool with N live leases
/// and for an empty pool, in the same run. Target: ≤ 300 ms and ≤ 3× the empty page.
/// </summary>
internal sealed class DashboardBenchmark : IBenchmark
{
    public string Name => "dashboard";

    public string Description => "dashboard page render with --leases N (1000) live leases vs an empty pool; --renders R (20)";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var leases = args.GetInt("leases", 1000);
        var renders = args.GetInt("renders", 20);
        await using var empty = await DashboardSite.StartAsync(cancellationToken);
        await using var loaded = await DashboardSite.StartAsync(cancellationToken);
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServer(loaded.Server.Address, DashboardSite.TenantKey);
        await using var client = services.BuildServiceProvider();
        var pool = client.GetRequiredService<IGpuPool>();
        var held = new List<GpuLease>(leases);
        for (var i = 0; i < leases; i++)
        {
            held.Add(await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(1), 1), cancellationToken));
        }

        // The dashboard reads its pools in the background: wait until it shows every lease.
        while (!(await loaded.GetAsync("/Leases?handler=Live", cancellationToken)).Contains($"{leases} lease(s)", StringComparison.Ordinal))
        {
            await Task.Yield();
        }

        var emptyMs = await MedianRenderAsync(empty, renders, cancellationToken);
        var loadedMs = await MedianRenderAsync(loaded, renders, cancellationToken);
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = "dashboard",
            ["leases"] = leases,
            ["render_ms"] = Math.Round(loadedMs, 2),
            ["empty_render_ms"] = Math.Round(emptyMs, 2),
        });
        foreach (var lease in held)
        {
            await lease.DisposeAsync();
        }

        return 0;
    }

    private static async Task<double> MedianRenderAsync(DashboardSite site, int renders, CancellationToken cancellationToken)
    {
        await site.GetAsync("/Leases", cancellationToken); // warm-up
        var times = new List<double>(renders);
        for (var i = 0; i < renders; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await site.GetAsync("/Leases", cancellationToken);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return Percentiles.Of(Percentiles.Sorted(times), 50);
    }
}
