using System.Net;
using System.Net.Sockets;
using GpuPool.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuPool.Benchmarks.Remote;

/// <summary>A real GpuPool server on a TCP loopback port (plus the echo service), in this process.</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    public const string ApiKey = "bench-key";

    private BenchServer(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public static async Task<BenchServer> StartAsync()
    {
        var port = FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{FreePort()}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
            ["GpuPool:Runtime:Cpu:HostMemoryBytes"] = ByteSize.GiB(8).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GpuPoolServer:Tenants:bench:ApiKeySha256:0"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ApiKey))),
        };
        var app = GpuPoolServerApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
        });
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        return new BenchServer(app, new Uri($"http://127.0.0.1:{port}"));
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
