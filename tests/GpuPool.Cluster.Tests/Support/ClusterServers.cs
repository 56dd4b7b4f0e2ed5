using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GpuPool.Server.Auth;
using GpuPool.Server.TestHost;
using Xunit.Abstractions;

namespace GpuPool.Cluster.Tests.Support;

/// <summary>
/// Real servers in-process on loopback ports, each a node of one pool whose database is the fixture's
/// PostgreSQL: node-0, node-1, … with two simulated 16 GiB devices each, tenants alpha and limited (3 leases).
/// Heartbeats every 200 ms, grace 2 s, leases confirmed for 1 s.
/// </summary>
internal sealed class ClusterServers : IAsyncDisposable
{
    public const string AlphaKey = "alpha-key";
    public const string LimitedKey = "limited-key";
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(1);
    private readonly LoopbackServer?[] _servers;
    private readonly int[] _ports;
    private readonly string _connectionString;
    private readonly ITestOutputHelper _output;
    private IDictionary<string, string?>? _overrides;

    private ClusterServers(int count, string connectionString, ITestOutputHelper output)
    {
        _servers = new LoopbackServer?[count];
        _ports = [.. Enumerable.Range(0, count).Select(_ => FreePort())];
        _connectionString = connectionString;
        _output = output;
    }

    public string ConnectionString => _connectionString;

    /// <summary>
    /// Liveness timing for load tests: three servers and 64 clients on a 2-core machine can starve a heartbeat
    /// past the 2 s grace, which is a correct death verdict but not what those tests are about.
    /// </summary>
    public static IDictionary<string, string?> RelaxedLiveness { get; } = new Dictionary<string, string?>
    {
        ["GpuPool:Cluster:HeartbeatInterval"] = "00:00:00.500",
        ["GpuPool:Cluster:Grace"] = "00:00:20",
        ["GpuPool:Cluster:LeaseConfirmTimeout"] = "00:00:10",
    };

    public static async Task<ClusterServers> StartAsync(PostgresServer postgres, ITestOutputHelper output, int count = 3, IDictionary<string, string?>? overrides = null)
    {
        var servers = new ClusterServers(count, await postgres.CreateDatabaseAsync(), output) { _overrides = overrides };
        for (var i = 0; i < count; i++)
        {
            await servers.StartAsync(i);
        }

        return servers;
    }

    public static string Node(int index) => $"node-{index}";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Uri Address(int index) => new($"http://127.0.0.1:{_ports[index]}");

    public IServiceProvider Services(int index) => _servers[index]!.App.Services;

    public static IDictionary<string, string?> Settings(string connectionString, int index, int port) => new Dictionary<string, string?>
    {
        ["GpuPool:Runtime:NodeName"] = Node(index),
        ["GpuPool:Runtime:Cpu:Enabled"] = "false",
        ["GpuPool:Runtime:SimulatedDevices:0:Model"] = "sim",
        ["GpuPool:Runtime:SimulatedDevices:0:Count"] = "2",
        ["GpuPool:Runtime:SimulatedDevices:0:MemoryGiB"] = "16",
        ["GpuPool:Cluster:ConnectionString"] = connectionString,
        ["GpuPool:Cluster:NodeId"] = Node(index),
        ["GpuPool:Cluster:AdvertisedAddress"] = $"http://127.0.0.1:{port}",
        ["GpuPool:Cluster:HeartbeatInterval"] = "00:00:00.200",
        ["GpuPool:Cluster:Grace"] = Grace.ToString("c", CultureInfo.InvariantCulture),
        ["GpuPool:Cluster:LeaseConfirmTimeout"] = ConfirmTimeout.ToString("c", CultureInfo.InvariantCulture),
        ["GpuPoolServer:Tenants:alpha:ApiKeySha256:0"] = ApiKeyRegistry.Hash(AlphaKey),
        ["GpuPoolServer:Tenants:limited:ApiKeySha256:0"] = ApiKeyRegistry.Hash(LimitedKey),
        ["GpuPoolServer:Tenants:limited:MaxLeases"] = "3",
    };

    /// <summary>Starts (or starts again) server <paramref name="index"/> on its port.</summary>
    public async Task StartAsync(int index) =>
        _servers[index] = await LoopbackServer.StartAsync(WithOverrides(Settings(_connectionString, index, _ports[index])), grpcPort: _ports[index], logs: new XunitLoggerProvider(_output));

    /// <summary>Stops server <paramref name="index"/> (it stops heartbeating; its leases stay in the database until the others declare it dead).</summary>
    public async Task StopAsync(int index)
    {
        if (_servers[index] is { } server)
        {
            _servers[index] = null;
            await server.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            await StopAsync(i);
        }
    }

    private IDictionary<string, string?> WithOverrides(IDictionary<string, string?> settings)
    {
        foreach (var (key, value) in _overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }
}
