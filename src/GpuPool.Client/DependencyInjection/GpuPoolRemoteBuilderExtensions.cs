using GpuPool;
using GpuPool.Internal;
using GpuPool.Remote;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Points the pool at a GpuPool server instead of the embedded engine.</summary>
public static class GpuPoolRemoteBuilderExtensions
{
    /// <summary>
    /// Uses the pool server at <paramref name="address"/> (<c>http://host:7070</c>, or <c>https://</c> with TLS).
    /// The same <see cref="IGpuPool"/> API then leases on the server. Same as setting <c>GpuPool:Server</c>.
    /// </summary>
    public static IGpuPoolBuilder UseServer(this IGpuPoolBuilder builder, Uri address, string? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"The server address '{address}' must be http:// or https://; for a Unix socket use UseServerUnixSocket.", nameof(address));
        }

        return UseRemote(builder, address.ToString(), apiKey);
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
            if (apiKey is not null)
            {
                o.ApiKey = apiKey;
            }
        });
        builder.Services.TryAddSingleton<IRemotePoolFactory, RemotePoolFactory>();
        return builder;
    }
}
