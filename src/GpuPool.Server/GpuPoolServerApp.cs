using GpuPool.Server.Bulk;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Errors;
using GpuPool.Server.Inference;
using GpuPool.Server.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Server;

/// <summary>Builds the server application: Kestrel (TCP h2c or TLS, optionally a Unix socket), the gRPC services and the health endpoints.</summary>
public static class GpuPoolServerApp
{
    /// <summary>The HTTP path of the liveness check.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The HTTP path of the readiness check.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>
    /// The HTTP path of the Prometheus-format metrics (runtime and server meters, OpenTelemetry's exporter): on the
    /// health port or the configured <c>GpuPoolServer:Telemetry:MetricsUrl</c> only, behind a key once tenants are configured.
    /// </summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Creates the application from <paramref name="args"/> (configuration: appsettings.json, environment
    /// variables, command line). <paramref name="configure"/> may adjust the builder (tests replace services).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddGpuPoolServer(builder.Configuration);
        builder.Services.AddBulkRuns();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(15);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(30);
            ServerHttp2Settings.Apply(kestrel.Limits.Http2);
            // A unary call carries one message and its 5-byte frame header; Kestrel's own default (30,000,000
            // bytes) would cut messages the docs allow off with UNKNOWN. The limit leaves room for what HTTP/2
            // flow control lets arrive before gRPC reads the frame header, so that a message over MaxMessageBytes
            // always meets gRPC's check (RESOURCE_EXHAUSTED) first, never Kestrel's (UNKNOWN). Streaming calls
            // have no body limit (grpc-dotnet lifts it); their messages are bounded one by one.
            kestrel.Limits.MaxRequestBodySize = MaxUnaryBodyBytes(kestrel.ApplicationServices) + kestrel.Limits.Http2.InitialConnectionWindowSize;
            var socket = context.Configuration[$"{GpuPoolServerOptions.SectionName}:{nameof(GpuPoolServerOptions.UnixSocketPath)}"];
            if (!string.IsNullOrWhiteSpace(socket))
            {
                if (File.Exists(socket))
                {
                    File.Delete(socket);
                }

                kestrel.ListenUnixSocket(socket, o => o.Protocols = HttpProtocols.Http2);
            }

            MetricsEndpoint.Listen(context.Configuration, kestrel);
            BulkRunEndpoints.Listen(context.Configuration, kestrel);
        });
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseMiddleware<OversizedUnaryRequestMiddleware>();
        BulkRunEndpoints.Map(app);
        app.MapGrpcService<LeaseService>();
        app.MapGrpcService<InferenceService>();
        app.MapGrpcService<SharedMemory.SharedMemoryService>();
        app.MapGrpcService<AdminService>();
        app.MapGrpcService<GrpcInferenceService>();
        app.MapOpenInferenceHttp();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        MetricsEndpoint.Use(app, MetricsPath);
        return app;
    }

    /// <summary>The largest body of a unary gRPC request: one message of <c>GpuPoolServer:MaxMessageBytes</c> and its frame header.</summary>
    internal static long MaxUnaryBodyBytes(IServiceProvider services) =>
        services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GpuPoolServerOptions>>().Value.MaxMessageBytes + 5L;
}
