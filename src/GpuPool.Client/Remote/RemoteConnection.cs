using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>The channel to one pool server (TCP h2c, TLS or a Unix socket) or to a pool of them, its stubs, and the API key header every call carries.</summary>
internal sealed class RemoteConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Metadata _headers;
    private RunStreamClient? _runs;

    public RemoteConnection(GpuPoolOptions options)
        : this(options, PoolAddresses.Of(options))
    {
    }

    /// <summary>A connection to <paramref name="addresses"/>: one server, or a pool balanced over all of them.</summary>
    public RemoteConnection(GpuPoolOptions options, IReadOnlyList<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Count == 0)
        {
            throw new InvalidOperationException("GpuPool:Server is not set.");
        }

        Server = string.Join(",", addresses);
        IsPool = PoolAddresses.IsPool(addresses);
        _channel = PoolChannel.Create(addresses, options.MaxMessageBytes);
        _headers = [];
        var key = ResolveApiKey(options);
        if (key is not null)
        {
            _headers.Add(ErrorKinds.ApiKeyHeader, key);
        }

        Bulk = new BulkRunClient(Server, key, IsPool, TimeProvider.System);
        BulkRunMinBytes = options.BulkRunMinBytes;

        MaxMessageBytes = options.MaxMessageBytes;
        RunStreamMaxBytes = options.RunStreamMaxBytes;
        Leases = new V1.Leases.LeasesClient(_channel);
        Inference = new V1.Inference.InferenceClient(_channel);
        Admin = new V1.Admin.AdminClient(_channel);
        SharedMemory = new V1.SharedMemory.SharedMemoryClient(_channel);
    }

    /// <summary>The server address as configured (a pool's addresses joined by commas).</summary>
    public string Server { get; }

    /// <summary>True when the connection balances over the servers of a pool.</summary>
    public bool IsPool { get; }

    public int MaxMessageBytes { get; }

    /// <summary>Runs whose request is at most this many bytes go over <see cref="Runs"/>; larger ones are unary calls.</summary>
    public int RunStreamMaxBytes { get; }

    /// <summary>Runs whose input tensors total at least this many bytes go over <see cref="Bulk"/> when the server offers it; 0: never.</summary>
    public int BulkRunMinBytes { get; }

    /// <summary>The connection's bulk runs (docs/protocol.md, "Bulk runs"): usable once the server has named its endpoint.</summary>
    public BulkRunClient Bulk { get; }

    /// <summary>The connection's stream for small runs, opened on first use.</summary>
    public RunStreamClient Runs => LazyInitializer.EnsureInitialized(ref _runs, () => new RunStreamClient(this));

    public V1.Leases.LeasesClient Leases { get; }

    public V1.Inference.InferenceClient Inference { get; }

    /// <summary>Shared-memory regions of leases (clients on the server's machine).</summary>
    public V1.SharedMemory.SharedMemoryClient SharedMemory { get; }

    /// <summary>The operator service (admin keys only); used by the <c>gpupool</c> command line.</summary>
    public V1.Admin.AdminClient Admin { get; }

    public CallOptions Options(CancellationToken cancellationToken, DateTime? deadline = null) =>
        new(_headers, deadline, cancellationToken);

    public void Dispose()
    {
        _runs?.Dispose();
        Bulk.Dispose();
        _channel.Dispose();
    }

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
