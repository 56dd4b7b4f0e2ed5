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
/// <remarks>
/// A node's address is in its configuration before it starts, so its port is picked first and bound by the
/// server a moment later. Test assemblies run in parallel, each starting servers on ports picked the same
/// way: a port can be taken in between (the start fails: it is started again on another port), and a stopped
/// node's port can be taken by another assembly's server while this test's clients still call the stopped
/// node's address (they would reach a stranger and fail oddly). So a stopped node's port stays reserved — bound,
/// not listening: calls to it are refused, as for any stopped server — until the node starts again there.
/// </remarks>
internal sealed class ClusterServers : IAsyncDisposable
{
    public const string AlphaKey = "alpha-key";
    public const string LimitedKey = "limited-key";
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Liveness with margins for a loaded 2-core test machine: a heartbeat late by a few seconds must not make a node
    /// stop serving (ConfirmTimeout) or be declared dead (Grace) in tests about something else; tests about node death
    /// wait for it on the event, a few graces at most.
    /// </summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);
    private readonly LoopbackServer?[] _servers;
    private readonly int[] _ports;
    private readonly Socket?[] _reserved;
    private readonly string _connectionString;
    private readonly ITestOutputHelper _output;
    private IDictionary<string, string?>? _overrides;

    private ClusterServers(int count, string connectionString, ITestOutputHelper output)
    {
        _servers = new LoopbackServer?[count];
        _ports = [.. Enumerable.Range(0, count).Select(_ => FreePort())];
        _reserved = new Socket?[count];
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
        ["GpuPool:Cluster:HeartbeatInterval"] = HeartbeatInterval.ToString("c", CultureInfo.InvariantCulture),
        ["GpuPool:Cluster:Grace"] = Grace.ToString("c", CultureInfo.InvariantCulture),
        ["GpuPool:Cluster:LeaseConfirmTimeout"] = ConfirmTimeout.ToString("c", CultureInfo.InvariantCulture),
        ["GpuPoolServer:Tenants:alpha:ApiKeySha256:0"] = ApiKeyRegistry.Hash(AlphaKey),
        ["GpuPoolServer:Tenants:limited:ApiKeySha256:0"] = ApiKeyRegistry.Hash(LimitedKey),
        ["GpuPoolServer:Tenants:limited:MaxLeases"] = "3",
    };

    /// <summary>Starts (or starts again) server <paramref name="index"/> on its port; a first start whose port was taken meanwhile moves to another.</summary>
    public async Task StartAsync(int index)
    {
        var restart = _reserved[index] is not null;
        _reserved[index]?.Dispose();
        _reserved[index] = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _servers[index] = await LoopbackServer.StartAsync(WithOverrides(Settings(_connectionString, index, _ports[index])), grpcPort: _ports[index], logs: new XunitLoggerProvider(_output));
                return;
            }
            catch (IOException ex) when (attempt < 5 && LoopbackServer.IsAddressInUse(ex))
            {
                // The health port (LoopbackServer's own pick) or, on a first start, this node's port was taken.
                _output.WriteLine($"node-{index}: {ex.Message}; starting again");
                if (!restart)
                {
                    _ports[index] = FreePort();
                }
            }
        }
    }

    /// <summary>Stops server <paramref name="index"/> (it stops heartbeating; its leases stay in the database until the others declare it dead).</summary>
    public async Task StopAsync(int index)
    {
        if (_servers[index] is { } server)
        {
            _servers[index] = null;
            await server.DisposeAsync();
            _reserved[index] = Reserve(_ports[index]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            await StopAsync(i);
            _reserved[i]?.Dispose();
        }
    }

    // Bound without listening: connections are refused, and no other process can bind the port meanwhile.
    private static Socket? Reserve(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null; // already taken (in TIME_WAIT by our own server it binds; otherwise nothing to hold)
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
