using GpuPool.Protocol;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace GpuPool.Server.Bulk;

/// <summary>
/// Where this server takes bulk runs, as the <see cref="BulkRuns.EndpointHeader"/> value it sends: the raw TCP bulk port
/// when there is one (<c>tcp://*:PORT</c>), the first Kestrel endpoint that speaks HTTP/1.1 (as <c>http://*:PORT</c>: the client keeps the host it reached the server by) and the
/// bulk Unix socket; null when bulk runs are off or there is no such endpoint.
/// </summary>
internal sealed class BulkEndpointAdvert(string? value)
{
    public string? Value { get; } = value;

    public static BulkEndpointAdvert From(IConfiguration configuration, int? tcpPort)
    {
        var options = Options(configuration);
        if (!options.Enabled)
        {
            return new BulkEndpointAdvert(null);
        }

        if (!string.IsNullOrWhiteSpace(options.AdvertisedEndpoints))
        {
            return new BulkEndpointAdvert(options.AdvertisedEndpoints.Trim());
        }

        var parts = new List<string>();
        if (tcpPort is { } port)
        {
            parts.Add($"tcp://*:{port}");
        }

        if (HttpBinding(configuration) is { } http)
        {
            parts.Add($"{http.Scheme}://*:{http.Port}");
        }

        if (UnixSocket(configuration) is { } socket)
        {
            parts.Add("unix:" + socket);
        }

        return new BulkEndpointAdvert(parts.Count == 0 ? null : string.Join(", ", parts));
    }

    /// <summary>The bulk Unix socket the server listens on, or null.</summary>
    public static string? UnixSocket(IConfiguration configuration)
    {
        var options = Options(configuration);
        if (!options.Enabled)
        {
            return null;
        }

        if (options.UnixSocketPath is { } path)
        {
            return path.Length == 0 ? null : path;
        }

        var grpcSocket = configuration[$"{GpuPoolServerOptions.SectionName}:{nameof(GpuPoolServerOptions.UnixSocketPath)}"];
        return string.IsNullOrWhiteSpace(grpcSocket) ? null : grpcSocket + ".bulk";
    }

    /// <summary>The bulk run options as configured.</summary>
    public static BulkRunOptions Options(IConfiguration configuration)
    {
        var options = new BulkRunOptions();
        configuration.GetSection(BulkRunOptions.SectionName).Bind(options);
        return options;
    }

    /// <summary>The first configured endpoint that speaks HTTP/1.1 on a fixed port.</summary>
    public static BindingAddress? HttpBinding(IConfiguration configuration)
    {
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"];
            var protocols = endpoint["Protocols"];
            if (string.IsNullOrWhiteSpace(url)
                || (Enum.TryParse<HttpProtocols>(protocols, ignoreCase: true, out var parsed) && !parsed.HasFlag(HttpProtocols.Http1)))
            {
                continue;
            }

            var address = BindingAddress.Parse(url);
            if (address.IsUnixPipe || address.Port <= 0)
            {
                continue;
            }

            return address;
        }

        return null;
    }
}
