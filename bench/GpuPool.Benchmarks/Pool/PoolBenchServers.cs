using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using GpuPool.Benchmarks.Remote;
using GpuPool.Server.TestHost;

namespace GpuPool.Benchmarks.Pool;

/// <summary>Real servers in this process on loopback ports, each a node of one pool over the given PostgreSQL database (CPU devices).</summary>
internal sealed class PoolBenchServers : IAsyncDisposable
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    private readonly LoopbackServer?[] _servers;

    private PoolBenchServers(LoopbackServer?[] servers) => _servers = servers;

    public IReadOnlyList<Uri> Addresses => [.. _servers.Select(s => s!.Address)];

    public static async Task<PoolBenchServers> StartAsync(string connectionString, int count)
    {
        var servers = new LoopbackServer?[count];
        for (var i = 0; i < count; i++)
        {
            var port = FreePort();
            servers[i] = await LoopbackServer.StartAsync(
                new Dictionary<string, string?>
                {
                    ["GpuPool:Runtime:NodeName"] = $"node-{i}",
                    ["GpuPool:Runtime:Cpu:HostMemoryBytes"] = ByteSize.GiB(8).ToString(CultureInfo.InvariantCulture),
                    ["GpuPool:Cluster:ConnectionString"] = connectionString,
                    ["GpuPool:Cluster:NodeId"] = $"node-{i}",
                    ["GpuPool:Cluster:AdvertisedAddress"] = $"http://127.0.0.1:{port}",
                    ["GpuPool:Cluster:HeartbeatInterval"] = "00:00:00.200",
                    ["GpuPool:Cluster:Grace"] = Grace.ToString("c", CultureInfo.InvariantCulture),
                    ["GpuPool:Cluster:LeaseConfirmTimeout"] = "00:00:01",
                    ["GpuPoolServer:Tenants:bench:ApiKeySha256:0"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(BenchServer.ApiKey))),
                },
                grpcPort: port);
        }

        return new PoolBenchServers(servers);
    }

    /// <summary>Stops server <paramref name="index"/>; the others declare it dead after the grace.</summary>
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
