using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;

namespace GpuPool.Remote;

/// <summary>
/// Opens the gRPC channel for a list of addresses. One server (http, https or a Unix socket) gets the plain
/// channel it always had. A pool (several addresses, or a <c>dns:///</c> name) gets one channel whose
/// resolver (Grpc.Net.Client's static or DNS resolver) yields every server and whose round-robin balancer
/// sends each call to a server that is up.
/// </summary>
internal static class PoolChannel
{
    /// <summary>The resolver address of a pool given as a list (its servers come from the static resolver).</summary>
    private const string StaticAddress = "static:///gpupool";

    /// <summary>The receive window of each call: a reply of this size arrives without waiting on the client (docs/performance.md, "Large tensors").</summary>
    internal const int Http2StreamWindowBytes = 8 * 1024 * 1024;

    /// <summary>The window channels opened from now on use: <see cref="Http2StreamWindowBytes"/>, or another for the large-tensors benchmark's baseline.</summary>
    internal static int StreamWindowBytes { get; set; } = Http2StreamWindowBytes;

    public static GrpcChannel Create(IReadOnlyList<string> addresses, int maxMessageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfZero(addresses.Count);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            // Large replies (tensors of MiBs) would otherwise cross in 64 KiB windows: on a fast link the
            // dynamic window sizing never grows (the round trip is too short to measure a large
            // bandwidth-delay product) and the server waits for a WINDOW_UPDATE every 64 KiB.
            InitialHttp2StreamWindowSize = StreamWindowBytes,
        };
        var options = new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = maxMessageBytes,
            MaxSendMessageSize = maxMessageBytes,
        };
        if (!PoolAddresses.IsPool(addresses))
        {
            return Single(addresses[0], handler, options);
        }

        options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
        if (PoolAddresses.IsDns(addresses[0]))
        {
            // h2c: a DNS name carries no scheme (TLS pools list their https:// addresses).
            options.Credentials = ChannelCredentials.Insecure;
            return GrpcChannel.ForAddress(addresses[0], options);
        }

        var uris = addresses.Select(a => new Uri(a)).ToList();
        options.Credentials = uris[0].Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        options.ServiceProvider = new ResolverServices(new StaticResolverFactory(_ => [.. uris.Select(u => new BalancerAddress(u.Host, u.Port))]));
        return GrpcChannel.ForAddress(StaticAddress, options);
    }

    private static GrpcChannel Single(string server, SocketsHttpHandler handler, GrpcChannelOptions options)
    {
        if (!PoolAddresses.IsUnix(server))
        {
            return GrpcChannel.ForAddress(new Uri(server), options);
        }

        var path = server[PoolAddresses.UnixPrefix.Length..];
        handler.ConnectCallback = (_, cancellationToken) => UnixSocketStreams.ConnectAsync(path, cancellationToken);
        return GrpcChannel.ForAddress(new Uri("http://localhost"), options);
    }
}
