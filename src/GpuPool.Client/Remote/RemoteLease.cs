using GpuPool.Protocol.Conversion;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>
/// A lease held on a pool server. Its session renews it; when the server reports it lost (or the session
/// cannot renew it before it expires) <see cref="LeaseLost"/> fires and every call fails with <see cref="LeaseLostException"/>.
/// </summary>
internal sealed partial class RemoteLease : GpuLease
{
    private readonly RemoteGpuPool _pool;
    private readonly CancellationTokenSource _lost = new();
    private readonly Lock _gate = new();
    private readonly IReadOnlyList<DeviceDescriptor> _devices;
    private long _expiresAtTicks;
    private long _memoryUsed;
    private int _state; // 0 active, 1 released, 2 lost
    private TaskCompletionSource? _released; // completes when the server has answered the release (or it was given up)
    private LeaseLostReason _lostReason;
    private string _serverInstance;
    private string _ownerAddress;

    public RemoteLease(RemoteGpuPool pool, V1.Lease lease)
    {
        _pool = pool;
        Id = lease.Id;
        _devices = [.. lease.Devices.Select(WireFormat.FromWire)];
        MemoryBytes = lease.MemoryBytes;
        ComputeMilli = lease.ComputeMilli;
        FencingToken = lease.FencingToken;
        _serverInstance = lease.ServerInstance;
        _ownerAddress = lease.OwnerAddress;
        _memoryUsed = lease.MemoryUsedBytes;
        Renewed(lease.TtlRemainingMs);
    }

    public override string Id { get; }

    public override IReadOnlyList<DeviceDescriptor> Devices => _devices;

    public override long MemoryBytes { get; }

    public override int ComputeMilli { get; }

    public override long MemoryUsedBytes => Interlocked.Read(ref _memoryUsed);

    /// <summary>On the client's clock: when the server's time-to-live runs out unless renewed.</summary>
    public override DateTimeOffset ExpiresAt => new(Interlocked.Read(ref _expiresAtTicks), TimeSpan.Zero);

    public override long FencingToken { get; }

    public override CancellationToken LeaseLost => _lost.Token;

    public override LeaseLostReason LostReason => Volatile.Read(ref _state) == 2 ? _lostReason : LeaseLostReason.None;

    /// <summary>The server process that granted it, or that last renewed it (a restarted server that restored it).</summary>
    public string ServerInstance
    {
        get => Volatile.Read(ref _serverInstance);
        set => Volatile.Write(ref _serverInstance, value);
    }

    /// <summary>
    /// In a pool of many servers, the node that serves the lease's model calls (empty for a server that is not
    /// part of a pool); a redirect from another server moves it.
    /// </summary>
    public string OwnerAddress
    {
        get => Volatile.Read(ref _ownerAddress);
        internal set => Volatile.Write(ref _ownerAddress, value);
    }

    /// <summary>The connection for the lease's own operations (renew, release): any server of the pool.</summary>
    internal RemoteConnection Connection => _pool.Connection;

    internal ILogger Logger => _pool.Logger;

    public override async ValueTask RenewAsync(TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        EnsureActive();
        var request = new V1.RenewRequest { LeaseId = Id, FencingToken = FencingToken, TimeToLiveMs = timeToLive is { } ttl ? Math.Max(1, (long)ttl.TotalMilliseconds) : 0 };
        var lease = await CallCoreAsync((c, ct) => c.Leases.RenewAsync(request, c.Options(ct)).ResponseAsync, onNode: false, cancellationToken).ConfigureAwait(false);
        Renewed(lease.TtlRemainingMs);
    }

    /// <summary>Throws <see cref="LeaseLostException"/> unless the lease is held.</summary>
    public void EnsureActive()
    {
        switch (Volatile.Read(ref _state))
        {
            case 1:
                throw new LeaseLostException($"Lease {Id} was released.", LeaseLostReason.Released);
            case 2:
                throw new LeaseLostException($"Lease {Id} was lost: {_lostReason}.", _lostReason);
        }
    }

    /// <summary>The server renewed the lease: it has <paramref name="ttlRemainingMs"/> left from now.</summary>
    public void Renewed(long ttlRemainingMs) =>
        Interlocked.Exchange(ref _expiresAtTicks, (_pool.Session.Time.GetUtcNow() + TimeSpan.FromMilliseconds(ttlRemainingMs)).UtcTicks);

    /// <summary>The pool took the lease back: fire <see cref="LeaseLost"/> once.</summary>
    public void MarkLost(LeaseLostReason reason)
    {
        lock (_gate)
        {
            if (_state != 0)
            {
                return;
            }

            // The reason is in place before anyone can see the lost state.
            _lostReason = reason;
            Volatile.Write(ref _state, 2);
        }

        _pool.Session.Forget(this);
        SdkLog.LeaseLost(Logger, Id, reason);

        // The token's callbacks are the application's code: never run them on the session's reader loop
        // (which marks leases lost), where a blocking callback would stop every reply of the pool.
        ThreadPool.UnsafeQueueUserWorkItem(static lost => lost.Cancel(), _lost, preferLocal: false);
    }

    internal void Charge(long bytes) => Interlocked.Add(ref _memoryUsed, bytes);

    /// <summary>
    /// Makes a model call on behalf of the lease, on the node that serves it: fails with
    /// <see cref="LeaseLostException"/> if the lease is lost before or during the call, follows one redirect
    /// to the lease's owner, and maps server errors to the SDK's exceptions.
    /// </summary>
    internal Task<T> CallAsync<T>(Func<RemoteConnection, CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        CallCoreAsync(call, onNode: true, cancellationToken);

    private async Task<T> CallCoreAsync<T>(Func<RemoteConnection, CancellationToken, Task<T>> call, bool onNode, CancellationToken cancellationToken)
    {
        EnsureActive();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost.Token);
        var redirected = false;
        while (true)
        {
            var connection = onNode ? _pool.Nodes.For(OwnerAddress) : Connection;
            try
            {
                return await call(connection, linked.Token).ConfigureAwait(false);
            }
            catch (RpcException ex) when (!redirected && onNode && LeaseRedirect.OwnerOf(ex) is { } owner)
            {
                // Another server of the pool serves the lease (a grant that named no owner, or one that moved): once.
                SdkLog.LeaseRedirected(Logger, Id, owner, connection.Server);
                OwnerAddress = owner;
                redirected = true;
            }
            catch (RpcException ex) when (_lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new LeaseLostException($"Lease {Id} was lost during the call: {_lostReason}.", _lostReason, ex);
            }
            catch (RpcException ex)
            {
                var mapped = RemoteErrors.Map(ex, cancellationToken);
                if (mapped is LeaseLostException lost && lost.Reason != LeaseLostReason.Released)
                {
                    // "Not found" from the process that granted the lease means it ended long ago; from another process, a restart.
                    var reason = lost.Reason == LeaseLostReason.ServerRestarted && string.Equals(ServerInstance, _pool.Session.ServerInstance, StringComparison.Ordinal)
                        ? LeaseLostReason.Expired
                        : lost.Reason;
                    MarkLost(reason);
                    throw new LeaseLostException(lost.Message, reason, ex);
                }

                throw mapped;
            }
        }
    }
}
