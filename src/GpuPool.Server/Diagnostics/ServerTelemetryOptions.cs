namespace GpuPool.Server.Diagnostics;

/// <summary>
/// Metrics and traces of the server, bound from <c>GpuPoolServer:Telemetry</c>. The Prometheus scrape endpoint
/// answers on the health port (or only on <see cref="MetricsUrl"/> when set) and, once tenants are configured,
/// only to a metrics key or an admin tenant's key unless <see cref="AllowAnonymousMetrics"/> opens the dedicated listener.
/// </summary>
internal sealed class ServerTelemetryOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "GpuPoolServer:Telemetry";

    /// <summary>Whether <c>/metrics</c> is served at all.</summary>
    public bool MetricsEnabled { get; set; } = true;

    /// <summary>A dedicated HTTP/1.1 listener for <c>/metrics</c> (<c>http://127.0.0.1:9464</c>); then it answers there only.</summary>
    public string? MetricsUrl { get; set; }

    /// <summary>Serve <c>/metrics</c> without a key on <see cref="MetricsUrl"/> (a port only the scraper's network reaches). Needs <see cref="MetricsUrl"/>.</summary>
    public bool AllowAnonymousMetrics { get; set; }

    /// <summary>SHA-256 hashes (hex) of scrape-only keys: they read metrics and nothing else.</summary>
    public IList<string> MetricsApiKeySha256 { get; } = [];

    /// <summary>A file whose content (trimmed) is a scrape-only key.</summary>
    public string? MetricsApiKeyFile { get; set; }

    /// <summary>An environment variable whose value is a scrape-only key.</summary>
    public string? MetricsApiKeyEnvironmentVariable { get; set; }

    /// <summary>Export traces and metrics over OTLP to this endpoint (also on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>The service name in exported telemetry.</summary>
    public string ServiceName { get; set; } = "gpupool-server";
}
