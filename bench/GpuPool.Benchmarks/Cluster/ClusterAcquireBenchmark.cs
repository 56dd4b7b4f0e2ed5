using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Cluster.Leasing;
using GpuPool.Server.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GpuPool.Benchmarks.Cluster;

/// <summary>
/// Three servers as nodes of one pool on a PostgreSQL this run starts, 64 clients acquiring and releasing
/// through all three; then one server with the SQLite journal under the same load, in the same run. Checks
/// the pool's rows for over-commitment while the cluster runs.
/// </summary>
internal sealed class ClusterAcquireBenchmark : IBenchmark
{
    private const string ApiKey = "bench-key";

    public string Name => "cluster-acquire";

    public string Description => "3 servers on one PostgreSQL, 64 clients acquire+release through all three vs one server with the SQLite journal: pairs/s, p50/p99, retries, violations";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        if (PostgresServer.Missing is { } missing)
        {
            await Console.Error.WriteLineAsync(missing);
            return 1;
        }

        var clients = args.GetInt("clients", 64);
        var duration = TimeSpan.FromSeconds(args.GetDouble("seconds", 10));
        var warmup = TimeSpan.FromSeconds(args.GetDouble("warmup", 2));
        await using var postgres = await PostgresServer.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync(maxPoolSize: 60);
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort()).ToArray();
        var nodes = new List<LoopbackServer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var settings = Common(2);
                settings["GpuPool:Runtime:NodeName"] = $"node-{i}";
                settings["GpuPool:Cluster:ConnectionString"] = connectionString;
                settings["GpuPool:Cluster:AdvertisedAddress"] = $"http://127.0.0.1:{ports[i]}";
                nodes.Add(await LoopbackServer.StartAsync(settings, grpcPort: ports[i]));
            }

            await using var database = NpgsqlDataSource.Create(connectionString);
            using var stop = new CancellationTokenSource();
            var checker = CheckAsync(database, stop.Token);
            var cluster = new AcquireLoad([.. nodes.Select(n => n.Address)], ApiKey, clients);
            var (pairs, seconds) = await cluster.RunAsync(duration, warmup, cancellationToken);
            await stop.CancelAsync();
            var (checks, rowViolations) = await checker;
            var retries = nodes.Sum(n => n.App.Services.GetRequiredService<ClusterLeases>().ConflictRetries);
            var grantCalls = nodes.Sum(n => n.App.Services.GetRequiredService<ClusterLeases>().GrantCalls);
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            nodes.Clear();

            var journal = Directory.CreateTempSubdirectory("gpupool-bench-journal-");
            var single = Common(6);
            single["GpuPool:Runtime:Persistence:Enabled"] = "true";
            single["GpuPool:Runtime:Persistence:DataDirectory"] = journal.FullName;
            double[] singlePairs;
            double singleSeconds;
            AcquireLoad singleLoad;
            await using (var server = await LoopbackServer.StartAsync(single))
            {
                singleLoad = new AcquireLoad([server.Address], ApiKey, clients);
                (singlePairs, singleSeconds) = await singleLoad.RunAsync(duration, warmup, cancellationToken);
            }

            journal.Delete(recursive: true);
            var p50 = Percentiles.Of(pairs, 50);
            var singleP50 = Percentiles.Of(singlePairs, 50);
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["bench"] = "cluster-acquire",
                ["servers"] = 3,
                ["clients"] = clients,
                ["pairs_per_s"] = Math.Round(pairs.Length / seconds),
                ["p50_us"] = Math.Round(p50),
                ["p99_us"] = Math.Round(Percentiles.Of(pairs, 99)),
                ["single_pairs_per_s"] = Math.Round(singlePairs.Length / singleSeconds),
                ["single_p50_us"] = Math.Round(singleP50),
                ["single_p99_us"] = Math.Round(Percentiles.Of(singlePairs, 99)),
                ["p50_ratio"] = Math.Round(p50 / singleP50, 2),
                ["retries"] = retries,
                ["grant_calls"] = grantCalls,
                ["empty_acquires"] = cluster.Empty,
                ["row_checks"] = checks,
                ["violations"] = cluster.Violations + singleLoad.Violations + rowViolations,
            });
            return 0;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    // Every server: `devices` simulated 80 GiB devices, one tenant. The requests (1 GiB, 50 milli) leave room
    // for every client at once, so the figures are the cost of a grant, not of waiting for one.
    private static Dictionary<string, string?> Common(int devices) => new()
    {
        ["GpuPool:Runtime:Cpu:Enabled"] = "false",
        ["GpuPool:Runtime:SimulatedDevices:0:Model"] = "A100",
        ["GpuPool:Runtime:SimulatedDevices:0:Count"] = devices.ToString(CultureInfo.InvariantCulture),
        ["GpuPool:Runtime:SimulatedDevices:0:MemoryGiB"] = "80",
        ["GpuPoolServer:Tenants:bench:ApiKeySha256:0"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ApiKey))),
        ["GpuPoolServer:MaxWaitingPerTenant"] = "1000",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private static async Task<(int Checks, int Violations)> CheckAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var (checks, violations) = (0, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            violations += await ClusterInvariants.OverCommittedAsync(database, CancellationToken.None);
            checks++;
            try
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (checks, violations);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
