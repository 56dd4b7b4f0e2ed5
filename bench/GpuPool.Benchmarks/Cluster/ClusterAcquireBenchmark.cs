using System.Globalization;
using System.Runtime;
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
/// through all three; then one server with the SQLite journal under the same load, in the same run. Both are
/// warmed up before either measured window. Checks the pool's rows for over-commitment while the cluster runs;
/// counts the CPU time (this process and PostgreSQL) per pair of each window.
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
        var warmup = TimeSpan.FromSeconds(args.GetDouble("warmup", 4));
        var warmupMax = TimeSpan.FromSeconds(args.GetDouble("warmup-max", 40));
        await using var postgres = await PostgresServer.StartAsync();
        var statements = args.Has("pg-stats") ? await StatementStats.EnableAsync(postgres) : null;
        var connectionString = await postgres.CreateDatabaseAsync(maxPoolSize: 60);
        if (args.Get("pg-options") is { } options)
        {
            connectionString += ";Options=" + options; // session settings to try (e.g. "-c plan_cache_mode=force_generic_plan")
        }

        var postgresCpu = await PostgresCpu.OfAsync(connectionString);
        var ports = Enumerable.Range(0, 3).Select(_ => FreePort()).ToArray();
        var nodes = new List<LoopbackServer>();
        var journal = Directory.CreateTempSubdirectory("gpupool-bench-journal-");
        LoopbackServer? single = null;
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

            var singleSettings = Common(6);
            singleSettings["GpuPool:Runtime:Persistence:Enabled"] = "true";
            singleSettings["GpuPool:Runtime:Persistence:DataDirectory"] = journal.FullName;
            single = await LoopbackServer.StartAsync(singleSettings);

            await using var database = NpgsqlDataSource.Create(connectionString);
            using var cluster = new AcquireLoad([.. nodes.Select(n => n.Address)], ApiKey, clients);
            using var singleLoad = new AcquireLoad([single.Address], ApiKey, clients);

            // Both configurations warm (JIT, connections, pools) before either measured window: a server in production is warm.
            var (clusterWarmup, (_, warmViolations)) = await CheckedAsync(database, () => WarmAsync(cluster, warmup, warmupMax, cancellationToken));
            var singleWarmup = await WarmAsync(singleLoad, warmup, warmupMax, cancellationToken);

            var leases = nodes.Select(n => n.App.Services.GetRequiredService<ClusterLeases>()).ToArray();
            var (retriesBefore, callsBefore) = (leases.Sum(l => l.ConflictRetries), leases.Sum(l => l.GrantCalls));
            if (statements is not null)
            {
                await statements.ResetAsync();
            }

            await Console.Error.WriteLineAsync("cluster-acquire: measuring the cluster");
            var (clusterWindow, (checks, rowViolations)) = await CheckedAsync(database, () => MeasureAsync(cluster, duration, postgresCpu, cancellationToken));
            var statementsPerPair = statements is null ? (double?)null : await statements.ReportAsync("cluster", clusterWindow.Pairs.Length);
            var retries = leases.Sum(l => l.ConflictRetries) - retriesBefore;
            var grantCalls = leases.Sum(l => l.GrantCalls) - callsBefore;

            // The cluster's servers stop before the single server's measured window.
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            nodes.Clear();
            await Console.Error.WriteLineAsync("cluster-acquire: measuring the single server");
            var singleWindow = await MeasureAsync(singleLoad, duration, postgresCpu, cancellationToken);

            var p50 = Percentiles.Of(clusterWindow.Pairs, 50);
            var singleP50 = Percentiles.Of(singleWindow.Pairs, 50);
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["bench"] = "cluster-acquire",
                ["servers"] = 3,
                ["clients"] = clients,
                ["pairs_per_s"] = Math.Round(clusterWindow.Pairs.Length / clusterWindow.Seconds),
                ["p50_us"] = Math.Round(p50),
                ["p99_us"] = Math.Round(Percentiles.Of(clusterWindow.Pairs, 99)),
                ["single_pairs_per_s"] = Math.Round(singleWindow.Pairs.Length / singleWindow.Seconds),
                ["single_p50_us"] = Math.Round(singleP50),
                ["single_p99_us"] = Math.Round(Percentiles.Of(singleWindow.Pairs, 99)),
                ["p50_ratio"] = Math.Round(p50 / singleP50, 2),
                ["retries"] = retries,
                ["grant_calls"] = grantCalls,
                ["empty_acquires"] = cluster.Empty,
                ["row_checks"] = checks,
                ["cpu_us_per_pair"] = clusterWindow.CpuPerPair,
                ["pg_cpu_us_per_pair"] = clusterWindow.PostgresPerPair,
                ["single_cpu_us_per_pair"] = singleWindow.CpuPerPair,
                ["cpu_ratio"] = Math.Round(clusterWindow.CpuPerPair / Math.Max(1, singleWindow.CpuPerPair), 2),
                ["statements_per_pair"] = statementsPerPair,
                ["warmup_s"] = clusterWarmup,
                ["single_warmup_s"] = singleWarmup,
                ["jit_ms"] = clusterWindow.JitMilliseconds,
                ["single_jit_ms"] = singleWindow.JitMilliseconds,
                ["machine_busy_pct"] = clusterWindow.MachineBusy,
                ["single_machine_busy_pct"] = singleWindow.MachineBusy,
                ["violations"] = cluster.Violations + singleLoad.Violations + rowViolations + warmViolations,
            });
            return 0;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            if (single is not null)
            {
                await single.DisposeAsync();
            }

            journal.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Runs the load for at least <paramref name="least"/>, then on in rounds of two seconds until a round spends
    /// under 1 % of it compiling (tiered compilation has settled) or <paramref name="most"/> has passed; returns the seconds it ran.
    /// </summary>
    private static async Task<double> WarmAsync(AcquireLoad load, TimeSpan least, TimeSpan most, CancellationToken cancellationToken)
    {
        var round = TimeSpan.FromSeconds(2);
        await load.RunAsync(least, TimeSpan.Zero, cancellationToken);
        var ran = least;
        while (ran < most)
        {
            var jit = JitInfo.GetCompilationTime();
            await load.RunAsync(round, TimeSpan.Zero, cancellationToken);
            ran += round;
            if (JitInfo.GetCompilationTime() - jit < round / 100)
            {
                break;
            }
        }

        return ran.TotalSeconds;
    }

    /// <summary>One measured run: its pairs, and the CPU this process and PostgreSQL spent on each.</summary>
    private static async Task<Window> MeasureAsync(AcquireLoad load, TimeSpan duration, PostgresCpu postgres, CancellationToken cancellationToken)
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var (process, database, machine, jit) = (self.TotalProcessorTime, postgres.Used(), MachineCpu.Now(), JitInfo.GetCompilationTime());
        var (pairs, seconds) = await load.RunAsync(duration, TimeSpan.Zero, cancellationToken);
        self.Refresh();
        var processUsed = self.TotalProcessorTime - process;
        var databaseUsed = postgres.Used() - database;
        var count = Math.Max(1, pairs.Length);
        return new Window(pairs, seconds, Math.Round((processUsed + databaseUsed).TotalMicroseconds / count), Math.Round(databaseUsed.TotalMicroseconds / count), MachineCpu.BusyPercent(machine, MachineCpu.Now()), Math.Round((JitInfo.GetCompilationTime() - jit).TotalMilliseconds));
    }

    /// <summary>Runs the load with the row checker watching the pool's rows; returns its result and the checker's.</summary>
    private static async Task<(T Result, (int Checks, int Violations) Rows)> CheckedAsync<T>(NpgsqlDataSource database, Func<Task<T>> load)
    {
        using var stop = new CancellationTokenSource();
        var checker = CheckAsync(database, stop.Token);
        var result = await load();
        await stop.CancelAsync();
        return (result, await checker);
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
