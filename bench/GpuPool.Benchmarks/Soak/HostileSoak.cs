using System.Diagnostics;
using System.Globalization;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Benchmarks.Soak;

/// <summary>
/// <c>soak --hostile</c>: the normal soak load alone (the baseline), then the same load beside misbehaving clients
/// (<see cref="HostileClients"/>), on one server with a client memory budget. Prints peak RSS against the budget and
/// the normal clients' p99 with and without the hostile ones.
/// </summary>
internal static class HostileSoak
{
    public static async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var seconds = args.GetInt("seconds", 60);
        var clients = args.GetInt("clients", 16);
        var seed = args.GetInt("seed", 7);
        var warmup = args.GetInt("warmup", 10);
        var budgetMb = args.GetInt("budget-mb", 256);
        var settings = new Dictionary<string, string>
        {
            ["GpuPoolServer:ClientMemoryBytes"] = ((long)budgetMb << 20).ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:TenantClientMemoryBytes"] = ((long)budgetMb << 19).ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:MaxModelBytes"] = (64L << 20).ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:MaxMessageBytes"] = (16 << 20).ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:ModelUploadTimeout"] = "00:00:20",
        };
        await using var server = await SoakServerProcess.StartAsync(args.Get("server-dll"), cancellationToken, settings);
        Console.WriteLine($"server pid {server.ProcessId}; {clients} clients, {seconds} s alone then {seconds} s beside hostile clients (warm-up {warmup} s); client memory budget {budgetMb} MiB");
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true }, MaxReceiveMessageSize = null });
        var leases = new V1.Leases.LeasesClient(channel);
        var inference = new V1.Inference.InferenceClient(channel);
        var clientKey = new Metadata { { ErrorKinds.ApiKeyHeader, server.ClientKey } };
        var adminKey = new Metadata { { ErrorKinds.ApiKeyHeader, server.AdminKey } };

        if (warmup > 0)
        {
            await SoakBenchmark.RunClientsAsync(clients, seed + 1000, TimeSpan.FromSeconds(warmup), leases, inference, clientKey, new SoakLedger());
        }

        var baseline = new SoakLedger();
        await SoakBenchmark.RunClientsAsync(clients, seed, TimeSpan.FromSeconds(seconds), leases, inference, clientKey, baseline);
        var rssBefore = server.ResidentMegabytes();

        // The hostile clients get their own connection, as a separate program would.
        using var hostileChannel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
        var hostileKey = new Metadata { { ErrorKinds.ApiKeyHeader, server.HostileKey } };
        var ledger = new SoakLedger();
        var hostile = new HostileClients(new V1.Leases.LeasesClient(hostileChannel), new V1.Inference.InferenceClient(hostileChannel), hostileKey, ledger);
        var checker = new SoakInvariantChecker(new V1.Admin.AdminClient(channel), leases, inference, adminKey, clientKey, ledger);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var hostileStop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var peak = new PeakSampler(server);
        var sampler = peak.RunAsync(stop.Token);
        var watcher = checker.WatchAsync(stop.Token);
        var misbehaving = hostile.RunAsync(readers: 4, uploaders: 4, stringers: 2, hostileStop.Token);
        await SoakBenchmark.RunClientsAsync(clients, seed + 1, TimeSpan.FromSeconds(seconds), leases, inference, clientKey, ledger);
        await misbehaving;
        await hostile.ReleaseAllAsync();
        await stop.CancelAsync();
        await Task.WhenAll(sampler, watcher);
        await checker.CheckEndAsync();

        var peakRss = peak.PeakMb;
        if (peakRss > rssBefore + budgetMb)
        {
            ledger.Violation($"peak RSS {peakRss:F0} MiB passed the RSS before the hostile clients ({rssBefore:F0} MiB) plus the budget ({budgetMb} MiB)");
        }

        var p99 = Percentiles.Of(Percentiles.Sorted(ledger.Latencies), 99);
        var baselineP99 = Percentiles.Of(Percentiles.Sorted(baseline.Latencies), 99);
        Console.WriteLine($"baseline: {baseline.Ops} ops, p99 {baselineP99:F2} ms; beside hostile clients: {ledger.Ops} ops, p99 {p99:F2} ms ({p99 / baselineP99:F2}x); hostile requests {hostile.Requests}, expected rejections {ledger.Rejected}");
        Console.WriteLine($"server RSS {rssBefore:F0} MiB before the hostile clients, peak {peakRss:F0} MiB; client memory budget {budgetMb} MiB");
        foreach (var violation in baseline.Violations.Concat(ledger.Violations).Take(20))
        {
            Console.WriteLine("VIOLATION " + violation);
        }

        var violations = baseline.Violations.Count + ledger.Violations.Count;
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = "soak",
            ["hostile"] = true,
            ["violations"] = violations,
            ["peak_rss_mb"] = Math.Round(peakRss, 1),
            ["budget_mb"] = budgetMb,
            ["p99_ms"] = Math.Round(p99, 2),
            ["baseline_p99_ms"] = Math.Round(baselineP99, 2),
            ["rss_before_hostile_mb"] = Math.Round(rssBefore, 1),
            ["ops"] = ledger.Ops,
            ["baseline_ops"] = baseline.Ops,
        });
        return violations == 0 ? 0 : 1;
    }
}
