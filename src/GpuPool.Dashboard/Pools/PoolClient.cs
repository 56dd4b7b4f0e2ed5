using System.Collections.Concurrent;
using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Pools;

/// <summary>
/// The admin API of one pool. A pool of several servers is one pool: a call goes to the server that
/// answered last and moves on to the next address when that one is unreachable. A node of a pool that
/// only the pool knows (an address the pool reports, not a configured one) is reached on a channel of its own.
/// </summary>
internal sealed class PoolClient : IDisposable
{
    private readonly GrpcChannel[] _channels;
    private readonly V1.Admin.AdminClient[] _clients;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Lazy<GrpcChannel>> _nodes = new(StringComparer.Ordinal);
    private int _preferred;

    public PoolClient(PoolOptions options, TimeSpan timeout, TimeProvider time)
    {
        Name = options.Name;
        Addresses = [.. options.Addresses];
        AdminKey = options.ResolveAdminKey() ?? "";
        _channels = [.. options.Addresses.Select(a => GrpcChannel.ForAddress(a))];
        _clients = [.. _channels.Select(c => new V1.Admin.AdminClient(c))];
        _timeout = timeout;
        _time = time;
    }

    public string Name { get; }

    public IReadOnlyList<string> Addresses { get; }

    /// <summary>The configured admin key the dashboard reads the pool with.</summary>
    public string AdminKey { get; }

    /// <summary>Calls the pool with <paramref name="apiKey"/>; an unreachable server passes the call to the next address.</summary>
    public async Task<T> CallAsync<T>(string apiKey, Func<V1.Admin.AdminClient, CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        RpcException? last = null;
        var first = Volatile.Read(ref _preferred);
        for (var i = 0; i < _clients.Length; i++)
        {
            var index = (first + i) % _clients.Length;
            try
            {
                var result = await call(_clients[index], Options(apiKey, cancellationToken)).ResponseAsync.ConfigureAwait(false);
                Volatile.Write(ref _preferred, index);
                return result;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                last = e;
            }
        }

        throw last ?? new RpcException(new Status(StatusCode.Unavailable, "The pool has no address."));
    }

    /// <summary>Calls one node of the pool at <paramref name="address"/> (as the pool reports it), without moving on to another.</summary>
    public async Task<T> CallNodeAsync<T>(string address, string apiKey, Func<V1.Admin.AdminClient, CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        var channel = _nodes.GetOrAdd(address, static a => new Lazy<GrpcChannel>(() => GrpcChannel.ForAddress(a))).Value;
        return await call(new V1.Admin.AdminClient(channel), Options(apiKey, cancellationToken)).ResponseAsync.ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Concat(_nodes.Values.Where(n => n.IsValueCreated).Select(n => n.Value)))
        {
            channel.Dispose();
        }
    }

    private CallOptions Options(string apiKey, CancellationToken cancellationToken) => new(
        new Metadata { { ErrorKinds.ApiKeyHeader, apiKey } },
        _time.GetUtcNow().UtcDateTime + _timeout,
        cancellationToken);
}
