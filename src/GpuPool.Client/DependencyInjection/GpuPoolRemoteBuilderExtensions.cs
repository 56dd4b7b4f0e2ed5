using GpuPool;
using GpuPool.Internal;
using GpuPool.Remote;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Points the pool at a GpuPool server instead of the embedded engine.</summary>
public static class GpuPoolRemoteBuilderExtensions
{
    /// <summary>
    /// Uses the pool server at <paramref name="address"/> (<c>http://host:7070</c>, or <c>https://</c> with TLS),
    /// or the pool of servers a DNS name resolves to (<c>dns:///pool.example:7070</c>). The same
    /// <see cref="IGpuPool"/> API then leases on the server. Same as setting <c>GpuPool:Server</c>.
    /// </summary>
    public static IGpuPoolBuilder UseServer(this IGpuPoolBuilder builder, Uri address, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(address);
        var text = address.ToString();
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps && !PoolAddresses.IsDns(text))
        {
            throw new ArgumentException($"The server address '{address}' must be http://, https:// or dns:///host:port; for a Unix socket use UseServerUnixSocket.", nameof(address));
        }

        return UseRemote(builder, text, apiKey);
    }

    /// <summary>
    /// Uses the pool of servers at <paramref name="addresses"/> (all <c>http://</c> or all <c>https://</c>): acquires
    /// go to any server that answers, and each lease's model calls to the server that owns it. Same as setting
    /// <c>GpuPool:Servers</c>.
    /// </summary>
    public static IGpuPoolBuilder UseServers(this IGpuPoolBuilder builder, IEnumerable<Uri> addresses, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(addresses);
        var list = addresses.ToList();
        ArgumentOutOfRangeException.ThrowIfZero(list.Count, nameof(addresses));
        if (list.FirstOrDefault(a => a.Scheme != Uri.UriSchemeHttp && a.Scheme != Uri.UriSchemeHttps) is { } bad)
        {
            throw new ArgumentException($"The server address '{bad}' must be http:// or https://.", nameof(addresses));
        }

        builder.Services.Configure<GpuPoolOptions>(o =>
        {
            o.Server = null;
            o.Servers.Clear();
            foreach (var address in list)
            {
                o.Servers.Add(address.ToString());
            }

            if (apiKey is not null)
            {
                o.ApiKey = apiKey;
            }
        });
        builder.Services.TryAddSingleton<IRemotePoolFactory, RemotePoolFactory>();
        return builder;
    }

    /// <summary>Uses a pool server on this machine through its Unix domain socket (<c>GpuPoolServer:UnixSocketPath</c> on the server).</summary>
    public static IGpuPoolBuilder UseServerUnixSocket(this IGpuPoolBuilder builder, string socketPath, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(socketPath);
        return UseRemote(builder, "unix:" + socketPath, apiKey);
    }

    private static IGpuPoolBuilder UseRemote(IGpuPoolBuilder builder, string server, string? apiKey)
    {
        builder.Services.Configure<GpuPoolOptions>(o =>
        {
            o.Server = server;
            o.Servers.Clear();
            if (apiKey is not null)
            {
                o.ApiKey = apiKey;
            }
        });
        builder.Services.TryAddSingleton<IRemotePoolFactory, RemotePoolFactory>();
        return builder;
    }
}
