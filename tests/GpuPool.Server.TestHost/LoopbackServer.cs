using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.TestHost;

/// <summary>
/// The real server inside the calling process, on TCP loopback ports (gRPC and health), for tests and
/// benchmarks. Settings are layered over the defaults as configuration keys; the server logs only to
/// the provider it is given (a test's output).
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private LoopbackServer(WebApplication app, int grpcPort, int httpPort)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
    }

    /// <summary>The running application (its <c>Services</c> hold the lease table and the rest).</summary>
    public WebApplication App { get; }

    /// <summary>The gRPC (HTTP/2) port.</summary>
    public int GrpcPort { get; }

    /// <summary>The health (HTTP/1.1) port.</summary>
    public int HttpPort { get; }

    /// <summary>The gRPC address, <c>http://127.0.0.1:port</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{GrpcPort}");

    /// <summary>
    /// Starts a server; <paramref name="grpcPort"/> 0 picks a free port (a fixed one lets a test restart the
    /// server in place). <paramref name="configure"/> adjusts services; <paramref name="map"/> adds endpoints;
    /// <paramref name="logs"/> receives the server's logs (none when null).
    /// </summary>
    public static async Task<LoopbackServer> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null,
        int grpcPort = 0,
        Action<WebApplication>? map = null,
        ILoggerProvider? logs = null)
    {
        // A port picked free may be taken by another test assembly before Kestrel binds it: picked ports are picked
        // again then (a caller's fixed port is not).
        for (var attempt = 1; ; attempt++)
        {
            var port = grpcPort == 0 ? FreePort() : grpcPort;
            var httpPort = FreePort();
            try
            {
                var app = await StartOnceAsync(settings, configure, port, httpPort, map, logs).ConfigureAwait(false);
                return new LoopbackServer(app, port, httpPort);
            }
            catch (IOException ex) when (attempt < 5 && IsAddressInUse(ex))
            {
            }
        }
    }

    private static async Task<WebApplication> StartOnceAsync(
        IDictionary<string, string?>? settings,
        Action<WebApplicationBuilder>? configure,
        int grpcPort,
        int httpPort,
        Action<WebApplication>? map,
        ILoggerProvider? logs)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = GpuPoolServerApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }

            configure?.Invoke(builder);
        });
        try
        {
            map?.Invoke(app);
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return app;
    }

    /// <summary>Stops the server (its session streams end at once) and frees its ports.</summary>
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the server for a restart on the same gRPC port: the port is held (<see cref="PortHold"/>) from the moment the
    /// server has stopped, through the disposal of its services, until the caller disposes the hold right before the restart.
    /// </summary>
    public async Task<PortHold> StopHoldingPortAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        var hold = PortHold.Take(GrpcPort);
        await App.DisposeAsync().ConfigureAwait(false);
        return hold;
    }

    /// <summary>Whether a start failed because its port was taken (by another process, between picking and binding).</summary>
    public static bool IsAddressInUse(Exception exception) =>
        exception is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
        || (exception.InnerException is { } inner && IsAddressInUse(inner))
        || exception.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
