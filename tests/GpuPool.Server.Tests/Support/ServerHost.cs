using System.Globalization;
using GpuPool.Server.Auth;
using GpuPool.Server.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Support;

/// <summary>The real server, in-process on Kestrel loopback ports, with four tenants (alpha, beta, ops = admin, limited); its logs go to the test's output.</summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private ServerHost(LoopbackServer server) => _server = server;

    public int GrpcPort => _server.GrpcPort;

    public int HttpPort => _server.HttpPort;

    public Uri Address => _server.Address;

    public IServiceProvider Services => _server.App.Services;

    public static async Task<ServerHost> StartAsync(ITestOutputHelper output, TimeProvider? time = null, IDictionary<string, string?>? settings = null, int grpcPort = 0, Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["GpuPool:Runtime:Cpu:HostMemoryBytes"] = ByteSize.GiB(8).ToString(CultureInfo.InvariantCulture),
            ["GpuPool:Runtime:NodeName"] = "test-node",
            ["GpuPoolServer:Tenants:alpha:ApiKeySha256:0"] = ApiKeyRegistry.Hash(Keys.Alpha),
            ["GpuPoolServer:Tenants:beta:ApiKeySha256:0"] = ApiKeyRegistry.Hash(Keys.Beta),
            ["GpuPoolServer:Tenants:ops:ApiKeySha256:0"] = ApiKeyRegistry.Hash(Keys.Admin),
            ["GpuPoolServer:Tenants:ops:Admin"] = "true",
            ["GpuPoolServer:Tenants:limited:ApiKeySha256:0"] = ApiKeyRegistry.Hash(Keys.Limited),
            ["GpuPoolServer:Tenants:limited:MaxLeases"] = "1",
            ["GpuPoolServer:Tenants:limited:MaxMemoryBytes"] = ByteSize.MiB(256).ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var server = await LoopbackServer.StartAsync(
            configuration,
            builder =>
            {
                if (time is not null)
                {
                    builder.Services.AddSingleton(time);
                }

                services?.Invoke(builder.Services);
            },
            grpcPort,
            logs: new XunitLoggerProvider(output));
        return new ServerHost(server);
    }

    /// <summary>Stops the server for a restart on <see cref="GrpcPort"/>: dispose the returned hold right before the restart.</summary>
    public Task<PortHold> StopHoldingPortAsync() => _server.StopHoldingPortAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
