using System.Net;
using System.Net.Sockets;
using GpuPool.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Tests.Support;

/// <summary>The real server, in-process on Kestrel loopback ports, with four tenants (alpha, beta, admin, limited).</summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private ServerHost(WebApplication app, int grpcPort, int httpPort)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
    }

    public WebApplication App { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public Uri Address => new($"http://127.0.0.1:{GrpcPort}");

    public IServiceProvider Services => App.Services;

    public static async Task<ServerHost> StartAsync(TimeProvider? time = null, IDictionary<string, string?>? settings = null, int grpcPort = 0)
    {
        grpcPort = grpcPort == 0 ? FreePort() : grpcPort;
        var httpPort = FreePort();
        var configuration = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
            ["GpuPool:Runtime:Cpu:HostMemoryBytes"] = ByteSize.GiB(8).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GpuPool:Runtime:NodeName"] = "test-node",
            ["GpuPoolServer:Tenants:alpha:ApiKeySha256:0"] = ApiKeyRegistry.Hash(Keys.Alpha),
            ["GpuPoolServer:Tenants:beta:ApiKeySha256:0"] = ApiKeyRegistry.Hash(Keys.Beta),
            ["GpuPoolServer:Tenants:ops:ApiKeySha256:0"] = ApiKeyRegistry.Hash(Keys.Admin),
            ["GpuPoolServer:Tenants:ops:Admin"] = "true",
            ["GpuPoolServer:Tenants:limited:ApiKeySha256:0"] = ApiKeyRegistry.Hash(Keys.Limited),
            ["GpuPoolServer:Tenants:limited:MaxLeases"] = "1",
            ["GpuPoolServer:Tenants:limited:MaxMemoryBytes"] = ByteSize.MiB(256).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = GpuPoolServerApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }
        });
        await app.StartAsync();
        return new ServerHost(app, grpcPort, httpPort);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
