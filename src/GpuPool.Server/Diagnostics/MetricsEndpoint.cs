using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Diagnostics;

/// <summary>
/// Where and to whom OpenTelemetry's Prometheus exporter answers: on one port only (the dedicated
/// <see cref="ServerTelemetryOptions.MetricsUrl"/> listener, else the health port, never the gRPC port), checked by
/// the connection's local port rather than the client's Host header, and behind <see cref="MetricsAccess"/>.
/// </summary>
internal static class MetricsEndpoint
{
    private const string HealthUrlKey = "Kestrel:Endpoints:Http:Url";

    /// <summary>Adds the dedicated metrics listener when one is configured.</summary>
    public static void Listen(IConfiguration configuration, KestrelServerOptions kestrel)
    {
        var url = configuration[$"{ServerTelemetryOptions.SectionName}:{nameof(ServerTelemetryOptions.MetricsUrl)}"];
        if (string.IsNullOrWhiteSpace(url) || !ServerTelemetryOptionsValidator.TryParsePort(url, out var port))
        {
            return; // a bad URL is reported by the options validator at start-up
        }

        var host = BindingAddress.Parse(url).Host;
        Action<ListenOptions> http1 = o => o.Protocols = HttpProtocols.Http1;
        if (host is "*" or "+" or "0.0.0.0")
        {
            kestrel.ListenAnyIP(port, http1);
        }
        else if (host == "localhost")
        {
            kestrel.ListenLocalhost(port, http1);
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(host), port, http1);
        }
    }

    /// <summary>Serves <paramref name="path"/> through the Prometheus exporter on the chosen port, behind the access check.</summary>
    public static void Use(WebApplication app, string path)
    {
        var options = app.Services.GetRequiredService<IOptions<ServerTelemetryOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MetricsEndpoint).FullName!);
        if (!options.MetricsEnabled)
        {
            TelemetryLog.MetricsNotServed(logger, $"{ServerTelemetryOptions.SectionName}:MetricsEnabled is false");
            return;
        }

        var url = string.IsNullOrWhiteSpace(options.MetricsUrl) ? app.Configuration[HealthUrlKey] : options.MetricsUrl;
        if (url is null || !ServerTelemetryOptionsValidator.TryParsePort(url, out var port))
        {
            TelemetryLog.MetricsNotServed(logger, $"no fixed http port in {HealthUrlKey} or {ServerTelemetryOptions.SectionName}:MetricsUrl");
            return;
        }

        var access = app.Services.GetRequiredService<MetricsAccess>();
        TelemetryLog.MetricsServed(logger, path, port, access.IsAnonymous ? "no key needed" : "a metrics key or an admin key needed");
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Connection.LocalPort == port && context.Request.Path == path,
            path: null,
            configureBranchedPipeline: branch => branch.Use(next => context => Guard(context, next, access, logger)),
            optionsName: null);
    }

    private static Task Guard(HttpContext context, RequestDelegate next, MetricsAccess access, ILogger logger)
    {
        var status = access.Check(context.Request);
        if (status == StatusCodes.Status200OK)
        {
            return next(context);
        }

        var peer = context.Connection.RemoteIpAddress;
        TelemetryLog.MetricsRefused(logger, status, peer);
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"gpupool-metrics\"";
        }

        return Task.CompletedTask;
    }
}
