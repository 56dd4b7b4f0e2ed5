using System.Globalization;
using GpuPool.Server.TestHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace GpuPool.Dashboard.Tests.Support;

/// <summary>
/// Real servers on loopback (tenants ops = admin and alpha), plus optionally a pool that is down (an
/// address nothing listens on), and the dashboard over all of them, in-process on a loopback port.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private WebApplication? _dashboard;

    private DashboardHost()
    {
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The running pools, by name.</summary>
    public Dictionary<string, LoopbackServer> Pools { get; } = new(StringComparer.Ordinal);

    public static async Task<DashboardHost> StartAsync(ITestOutputHelper output, string[] pools, string? downPool = null)
    {
        var host = new DashboardHost();
        try
        {
            var settings = new Dictionary<string, string?>();
            var index = 0;
            foreach (var name in pools)
            {
                var server = await LoopbackServer.StartAsync(ServerSettings(name), logs: new XunitLoggerProvider(output));
                host._owned.Add(server);
                host.Pools[name] = server;
                AddPool(settings, index++, name, server.Address.ToString());
            }

            if (downPool is not null)
            {
                AddPool(settings, index, downPool, $"http://127.0.0.1:{FreePort.Next()}");
            }

            await host.StartDashboardAsync(output, settings);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A pool of <paramref name="nodes"/> servers sharing <paramref name="postgres"/> (node-0, node-1, …; two
    /// simulated 16 GiB devices each), shown as one pool "cluster" whose only configured address is node-0's.
    /// <see cref="Pools"/> holds the nodes by node name.
    /// </summary>
    public static async Task<DashboardHost> StartClusterAsync(ITestOutputHelper output, PostgresServer postgres, int nodes)
    {
        var host = new DashboardHost();
        try
        {
            var database = await postgres.CreateDatabaseAsync();
            for (var i = 0; i < nodes; i++)
            {
                var server = await StartNodeAsync(output, database, i);
                host._owned.Add(server);
                host.Pools[$"node-{i}"] = server;
            }

            var dashboard = new Dictionary<string, string?>();
            AddPool(dashboard, 0, "cluster", host.Pools["node-0"].Address.ToString());
            await host.StartDashboardAsync(output, dashboard);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Node <paramref name="index"/> of a cluster. Its address is in its configuration before it starts, so its port is
    /// picked first and bound a moment later: when another process took it in between, it starts again on a new port.
    /// Liveness has margins for a loaded 2-core machine (no dashboard test waits for a node to be declared dead).
    /// </summary>
    private static async Task<LoopbackServer> StartNodeAsync(ITestOutputHelper output, string database, int index)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var settings = ServerSettings($"node-{index}", suffix: "");
            settings["GpuPool:Runtime:Cpu:Enabled"] = "false";
            settings["GpuPool:Runtime:SimulatedDevices:0:Model"] = "sim";
            settings["GpuPool:Runtime:SimulatedDevices:0:Count"] = "2";
            settings["GpuPool:Runtime:SimulatedDevices:0:MemoryGiB"] = "16";
            settings["GpuPool:Cluster:ConnectionString"] = database;
            settings["GpuPool:Cluster:NodeId"] = $"node-{index}";
            settings["GpuPool:Cluster:AdvertisedAddress"] = $"http://127.0.0.1:{port}";
            settings["GpuPool:Cluster:HeartbeatInterval"] = "00:00:00.500";
            settings["GpuPool:Cluster:LeaseConfirmTimeout"] = "00:00:06";
            settings["GpuPool:Cluster:Grace"] = "00:00:15";
            try
            {
                return await LoopbackServer.StartAsync(settings, grpcPort: port, logs: new XunitLoggerProvider(output));
            }
            catch (IOException ex) when (attempt < 5 && LoopbackServer.IsAddressInUse(ex))
            {
                output.WriteLine($"node-{index}: {ex.Message}; starting again on another port");
            }
        }
    }

    private async Task StartDashboardAsync(ITestOutputHelper output, Dictionary<string, string?> settings)
    {
        // A generous call timeout for a loaded machine; a pool that is down refuses at once and shows Down all the same.
        settings["Dashboard:CallTimeout"] = "00:00:10";
        for (var attempt = 1; ; attempt++)
        {
            // The port is picked free and bound by Kestrel a moment later: when it was taken in between, pick another.
            var port = FreePort.Next();
            settings["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{port}";
            var dashboard = DashboardApp.Build([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(new XunitLoggerProvider(output));
            });
            try
            {
                await dashboard.StartAsync();
                _dashboard = dashboard;
                BaseUrl = new Uri($"http://127.0.0.1:{port}");
                return;
            }
            catch (IOException ex) when (attempt < 5 && LoopbackServer.IsAddressInUse(ex))
            {
                await dashboard.DisposeAsync();
                output.WriteLine($"dashboard: {ex.Message}; starting again on another port");
            }
        }
    }

    /// <summary>An SDK client of one pool, as an application builds it.</summary>
    public ServiceProvider Client(string pool, string key)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServer(Pools[pool].Address, key);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    /// <summary>Stops one pool's server (the pool goes down while the dashboard watches).</summary>
    public async Task StopPoolAsync(string pool)
    {
        var server = Pools[pool];
        _owned.Remove(server);
        await server.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dashboard is not null)
        {
            await _dashboard.StopAsync();
            await _dashboard.DisposeAsync();
        }

        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private static void AddPool(Dictionary<string, string?> settings, int index, string name, string address)
    {
        settings[$"Dashboard:Pools:{index}:Name"] = name;
        settings[$"Dashboard:Pools:{index}:Addresses:0"] = address;
        settings[$"Dashboard:Pools:{index}:AdminKey"] = Keys.Admin;
    }

    private static Dictionary<string, string?> ServerSettings(string name, string suffix = "-node") => new()
    {
        ["GpuPool:Runtime:Cpu:HostMemoryBytes"] = (8L << 30).ToString(CultureInfo.InvariantCulture),
        ["GpuPool:Runtime:NodeName"] = name + suffix,
        ["GpuPoolServer:Tenants:ops:ApiKeySha256:0"] = Keys.Hash(Keys.Admin),
        ["GpuPoolServer:Tenants:ops:Admin"] = "true",
        ["GpuPoolServer:Tenants:alpha:ApiKeySha256:0"] = Keys.Hash(Keys.Alpha),
        ["GpuPoolServer:Tenants:alpha:MaxLeases"] = "4",
    };
}
