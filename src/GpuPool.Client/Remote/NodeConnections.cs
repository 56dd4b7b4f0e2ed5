using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace GpuPool.Remote;

/// <summary>
/// The pool's connections: the front one (acquires, renewals, releases and the session, on any server) and
/// one per node that owns leases of this client, opened when first needed, for the leases' model calls.
/// With one server, or for leases that name no owner (a server that is not part of a pool), every call
/// takes the front connection, as it always did.
/// </summary>
internal sealed class NodeConnections(GpuPoolOptions options, RemoteConnection front, ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<RemoteConnection>> _nodes = new(StringComparer.OrdinalIgnoreCase);
    private int _disposed;

    public RemoteConnection Front { get; } = front;

    /// <summary>The connection to the node at <paramref name="owner"/> (the front one for no owner, or when the front is that node).</summary>
    public RemoteConnection For(string? owner)
    {
        if (string.IsNullOrWhiteSpace(owner) || (!Front.IsPool && PoolAddresses.Same(Front.Server, owner)))
        {
            return Front;
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var key = owner.Trim().TrimEnd('/');
        return _nodes.GetOrAdd(key, address => new Lazy<RemoteConnection>(() =>
        {
            SdkLog.NodeConnectionOpened(logger, address);
            return new RemoteConnection(options, [address]);
        })).Value;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var node in _nodes.Values.Where(n => n.IsValueCreated))
        {
            node.Value.Dispose();
        }

        Front.Dispose();
    }
}
