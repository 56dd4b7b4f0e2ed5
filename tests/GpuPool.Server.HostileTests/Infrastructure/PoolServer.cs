using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>
/// The real GpuPool server (Kestrel on loopback, configured through the same keys an operator uses) with three
/// tenants: alpha and beta (with quotas) and ops (admin), over two simulated 8 GiB devices.
/// </summary>
internal sealed class PoolServer : IAsyncDisposable
{
    public const long DeviceMemory = 8L << 30;
    public const int DeviceCount = 2;
    public const long MaxModelBytes = 1 << 20;
    public const int MaxMessageBytes = 256 * 1024;
    public const int AlphaMaxLeases = 500;
    public const long BetaMaxMemory = 4L << 30;

    private readonly WebApplication _app;
    private readonly string? _certificateFile;

    private PoolServer(WebApplication app, Uri address, Uri httpAddress, X509Certificate2? certificate, string? certificateFile)
    {
        _app = app;
        Address = address;
        HttpAddress = httpAddress;
        Certificate = certificate;
        _certificateFile = certificateFile;
    }

    /// <summary>The gRPC (HTTP/2) endpoint.</summary>
    public Uri Address { get; }

    /// <summary>The HTTP/1.1 endpoint (health checks).</summary>
    public Uri HttpAddress { get; }

    public X509Certificate2? Certificate { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<PoolServer> StartAsync(PoolServerSetup? setup = null)
    {
        setup ??= new PoolServerSetup();
        var scheme = setup.Certificate is null ? "http" : "https";
        var grpcPort = FreePort();
        var httpPort = FreePort();
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"{scheme}://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
            ["GpuPool:Runtime:NodeName"] = "node-a",
            ["GpuPool:Runtime:Cpu:Enabled"] = "false",
            ["GpuPool:Runtime:SimulatedDevices:0:Model"] = "SimGPU",
            ["GpuPool:Runtime:SimulatedDevices:0:Count"] = DeviceCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GpuPool:Runtime:SimulatedDevices:0:MemoryGiB"] = (DeviceMemory >> 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GpuPool:Runtime:DefaultTimeToLive"] = "00:01:00",
            ["GpuPoolServer:MaxModelBytes"] = MaxModelBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GpuPoolServer:MaxMessageBytes"] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GpuPoolServer:Tenants:alpha:ApiKeySha256:0"] = TestKeys.Sha256(TestKeys.Alpha),
            ["GpuPoolServer:Tenants:alpha:MaxLeases"] = AlphaMaxLeases.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GpuPoolServer:Tenants:beta:ApiKeySha256:0"] = TestKeys.Sha256(TestKeys.Beta),
            ["GpuPoolServer:Tenants:beta:MaxMemoryBytes"] = BetaMaxMemory.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GpuPoolServer:Tenants:ops:ApiKeySha256:0"] = TestKeys.Sha256(TestKeys.Admin),
            ["GpuPoolServer:Tenants:ops:Admin"] = "true",
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:GpuPool"] = "Trace",
        };
        string? certificateFile = null;
        if (setup.Certificate is { } certificate)
        {
            certificateFile = Path.Combine(Path.GetTempPath(), $"gpupool-tls-{Guid.NewGuid():N}.pfx");
            await File.WriteAllBytesAsync(certificateFile, certificate.Export(X509ContentType.Pfx, "test-password"));
            settings["Kestrel:Endpoints:Grpc:Certificate:Path"] = certificateFile;
            settings["Kestrel:Endpoints:Grpc:Certificate:Password"] = "test-password";
        }

        foreach (var (key, value) in setup.Settings)
        {
            settings[key] = value;
        }

        var args = settings.Select(s => $"--{s.Key}={s.Value}").ToArray();
        var app = GpuPoolServerApp.Build(args, builder =>
        {
            builder.Logging.ClearProviders();
            if (setup.Logs is { } logs)
            {
                builder.Logging.SetMinimumLevel(LogLevel.Trace);
                builder.Logging.AddProvider(logs);
            }

            if (setup.Time is { } time)
            {
                builder.Services.AddSingleton(time);
            }

            setup.Configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new PoolServer(app, new Uri($"{scheme}://127.0.0.1:{grpcPort}"), new Uri($"http://127.0.0.1:{httpPort}"), setup.Certificate, certificateFile);
    }

    /// <summary>The request headers of a call with <paramref name="apiKey"/> (none when null).</summary>
    public static Metadata Key(string? apiKey) => apiKey is null ? [] : new Metadata { { ErrorKinds.ApiKeyHeader, apiKey } };

    /// <summary>A channel to the server without client-side message limits, so the server's own limits are what a test meets.</summary>
    public GrpcChannel Channel(Func<X509Certificate2?, bool>? acceptCertificate = null)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (Certificate is { } expected)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                acceptCertificate?.Invoke(certificate as X509Certificate2) ?? string.Equals(certificate?.GetCertHashString(), expected.GetCertHashString(), StringComparison.Ordinal);
        }

        return GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null, MaxSendMessageSize = null });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_certificateFile is not null)
        {
            File.Delete(_certificateFile);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
