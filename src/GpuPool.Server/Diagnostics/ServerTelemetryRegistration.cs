using GpuPool.Diagnostics;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GpuPool.Server.Diagnostics;

/// <summary>
/// The server's OpenTelemetry set-up: the runtime and server meters to the Prometheus exporter (and OTLP when
/// configured), the server and runtime activity sources to OTLP when configured, and a span per gRPC call.
/// Our code only defines meters, instruments and sources; the exposition formats are OpenTelemetry's.
/// </summary>
internal static class ServerTelemetryRegistration
{
    /// <summary>Adds the telemetry services once; calling it again does nothing.</summary>
    public static void AddServerTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(MetricsAccess)))
        {
            return;
        }

        services.AddOptions<ServerTelemetryOptions>().Bind(configuration.GetSection(ServerTelemetryOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerTelemetryOptions>, ServerTelemetryOptionsValidator>());
        services.TryAddSingleton<MetricsAccess>();
        services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<TracingInterceptor>());

        var settings = configuration.GetSection(ServerTelemetryOptions.SectionName).Get<ServerTelemetryOptions>() ?? new ServerTelemetryOptions();
        var otlp = !string.IsNullOrWhiteSpace(settings.OtlpEndpoint) || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(settings.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GpuPoolInstruments.ServerMeter, GpuPoolInstruments.RuntimeMeter);
                if (settings.MetricsEnabled)
                {
                    // Every scrape reads the current values: no response cache between scrapes.
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter(o => Endpoint(o, settings));
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(GpuPoolInstruments.ServerMeter, GpuPoolInstruments.RuntimeMeter)
                .AddOtlpExporter(o => Endpoint(o, settings)));
        }
    }

    private static void Endpoint(OpenTelemetry.Exporter.OtlpExporterOptions exporter, ServerTelemetryOptions settings)
    {
        if (!string.IsNullOrWhiteSpace(settings.OtlpEndpoint))
        {
            exporter.Endpoint = new Uri(settings.OtlpEndpoint);
        }
    }
}
