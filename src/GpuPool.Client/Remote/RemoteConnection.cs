using System.Net.Sockets;
using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>The channel to one pool server (TCP h2c, TLS or a Unix socket), its stubs, and the API key header every call carries.</summary>
internal sealed class RemoteConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Metadata _headers;

    public RemoteConnection(GpuPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Server = options.Server ?? throw new InvalidOperationException("GpuPool:Server is not set.");
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        };
        Uri address;
        if (Server.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = Server["unix:".Length..];
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            address = new Uri("http://localhost");
        }
        else
        {
            address = new Uri(Server);
        }

        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxMessageBytes,
            MaxSendMessageSize = options.MaxMessageBytes,
        });
        _headers = [];
        if (ResolveApiKey(options) is { } key)
        {
            _headers.Add(ErrorKinds.ApiKeyHeader, key);
        }

        MaxMessageBytes = options.MaxMessageBytes;
        Leases = new V1.Leases.LeasesClient(_channel);
        Inference = new V1.Inference.InferenceClient(_channel);
        Admin = new V1.Admin.AdminClient(_channel);
    }

    /// <summary>The server address as configured.</summary>
    public string Server { get; }

    public int MaxMessageBytes { get; }

    public V1.Leases.LeasesClient Leases { get; }

    public V1.Inference.InferenceClient Inference { get; }

    /// <summary>The operator service (admin keys only); used by the <c>gpupool</c> command line.</summary>
    public V1.Admin.AdminClient Admin { get; }

    public CallOptions Options(CancellationToken cancellationToken, DateTime? deadline = null) =>
        new(_headers, deadline, cancellationToken);

    public void Dispose() => _channel.Dispose();

    private static string? ResolveApiKey(GpuPoolOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ApiKey))
        {
            return options.ApiKey.Trim();
        }

        if (!string.IsNullOrWhiteSpace(options.ApiKeyFile))
        {
            var key = File.ReadAllText(options.ApiKeyFile).Trim();
            return key.Length == 0 ? null : key;
        }

        return null;
    }
}
