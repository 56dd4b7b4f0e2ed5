using System.Net;
using GpuPool.Protocol;

namespace GpuPool.Remote;

/// <summary>
/// Where a client sends a server's bulk runs: an HTTP(S) base address, or a Unix socket (then the address is a
/// placeholder); for a TCP client also the server's raw TCP bulk port when it has one (tried first). Chosen from the
/// server's <see cref="BulkRuns.EndpointHeader"/> for the way the client reaches it.
/// </summary>
internal sealed record BulkTarget(Uri BaseAddress, string? UnixSocketPath, DnsEndPoint? Tcp = null)
{
    /// <summary>
    /// The target for a client that reaches the server at <paramref name="server"/> (a gRPC address): the bulk
    /// Unix socket for a Unix-socket client, else the HTTP endpoint (and the raw TCP bulk port, if any) with <c>*</c>
    /// replaced by the server's host; null when the server offers no HTTP endpoint that fits.
    /// </summary>
    public static BulkTarget? Choose(string? advert, string server)
    {
        if (string.IsNullOrWhiteSpace(advert))
        {
            return null;
        }

        var entries = advert.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (PoolAddresses.IsUnix(server))
        {
            var socket = entries.FirstOrDefault(PoolAddresses.IsUnix);
            return socket is null ? null : new BulkTarget(new Uri("http://localhost"), socket[PoolAddresses.UnixPrefix.Length..]);
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var reached))
        {
            return null;
        }

        DnsEndPoint? tcp = null;
        Uri? http = null;
        foreach (var entry in entries.Where(e => !PoolAddresses.IsUnix(e)))
        {
            var text = entry.Replace("://*:", "://" + HostOf(reached) + ":", StringComparison.Ordinal);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var address))
            {
                continue;
            }

            if (address.Scheme == TcpScheme && address.Port > 0)
            {
                tcp ??= new DnsEndPoint(address.IdnHost.Trim('[', ']'), address.Port);
            }
            else if (PoolAddresses.IsHttp(text))
            {
                http ??= address;
            }
        }

        return http is null ? null : new BulkTarget(http, null, tcp);
    }

    private const string TcpScheme = "tcp";

    private static string HostOf(Uri uri) => uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost;
}
