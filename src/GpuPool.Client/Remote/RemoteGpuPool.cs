using System.Security.Cryptography;
using GpuPool.Protocol.Conversion;
using GpuPool.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Polly;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Remote;

/// <summary>
/// <see cref="IGpuPool"/> over a GpuPool server: the same contract as the embedded pool. Acquires and
/// releases travel on the session stream when it is up (cheaper than unary calls) and as unary calls
/// otherwise; every acquire carries a client request id, so a retry never creates a second lease. Lease
/// disposal is pipelined (it does not wait for the server's answer); the stream keeps order, and requests
/// off the stream first wait for the releases in flight.
/// </summary>
internal sealed class RemoteGpuPool : IGpuPool, IAsyncDisposable, IDisposable
{
    private readonly ResiliencePipeline _acquireRetry;
    private int _disposed;

    public RemoteGpuPool(GpuPoolOptions options, TimeProvider time, ILogger<RemoteGpuPool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var addresses = PoolAddresses.Of(options);
        Connection = new RemoteConnection(options, addresses);
        Nodes = new NodeConnections(options, Connection, logger);
        Logger = logger;
        Session = new RemoteSession(Connection, time, options.KeepAliveInterval, logger);
        _acquireRetry = AcquireRetry.Create(Connection.IsPool ? Math.Max(2, addresses.Count) : 0, time, logger);
    }

    /// <summary>The front connection: any server (of the pool) for acquires, renewals, releases and the session.</summary>
    internal RemoteConnection Connection { get; }

    /// <summary>The front connection and one connection per node that serves this client's leases.</summary>
    internal NodeConnections Nodes { get; }

    internal RemoteSession Session { get; }

    internal ILogger Logger { get; }

    public async ValueTask<GpuLease> LeaseAsync(SliceRequest request, CancellationToken cancellationToken = default)
    {
        using var activity = ClientActivity.Start(GpuPoolInstruments.AcquireSpan);
        try
        {
            return await AcquireAsync(request, traced: activity is { Recorded: true }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ClientActivity.Failed(activity, ex))
        {
            throw;
        }
    }

    private async ValueTask<GpuLease> AcquireAsync(SliceRequest request, bool traced, CancellationToken cancellationToken)
    {
        var acquire = Prepare(request, wait: true);

        // A traced acquire goes as a unary call: its trace context travels in the call's headers (the session stream's
        // were sent when the stream opened).
        if (Session.IsConnected && !traced)
        {
            try
            {
                var reply = await Session.CallAsync(new V1.SessionRequest { Acquire = acquire }, cancellationToken).ConfigureAwait(false);
                if (reply.ResultCase == V1.SessionReply.ResultOneofCase.Error)
                {
                    throw RemoteErrors.Map(reply.Error);
                }

                return Track(reply.Acquired.Lease ?? throw new PoolUnavailableException("The server answered an acquire without a lease."), attach: false);
            }
            catch (SessionBrokenException)
            {
                // Retried below as a unary call; the client request id makes the retry idempotent.
            }
        }

        // Not ordered after this pool's releases on the stream: wait for them, so that the freed slices count.
        await Session.Releases.WhenSettledAsync(RemoteSession.ReleaseLimit, cancellationToken).ConfigureAwait(false);

        // gRPC deadlines run on the wall clock whatever the pool's TimeProvider is; the server enforces the wait itself.
        var deadline = request.WaitTimeout is { } wait ? TimeProvider.System.GetUtcNow().UtcDateTime + wait + TimeSpan.FromSeconds(30) : (DateTime?)null;
        var response = await _acquireRetry.ExecuteAsync(
            async ct => await UnaryAsync(c => c.Leases.AcquireAsync(acquire, c.Options(ct, deadline)).ResponseAsync, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return Track(response.Lease ?? throw new PoolUnavailableException("The server answered an acquire without a lease."), attach: true);
    }

    /// <remarks>A blocking unary call: the contract of <see cref="IGpuPool.TryLease"/> is synchronous.</remarks>
    public GpuLease? TryLease(SliceRequest request)
    {
        var acquire = Prepare(request, wait: false);
        if (!Session.Releases.IsEmpty)
        {
            // A unary call is not ordered after this pool's releases on the stream: wait for them (a blocking
            // wait, like the call itself), so that the slices this pool freed count.
            Session.Releases.WhenSettledAsync(RemoteSession.ReleaseLimit).GetAwaiter().GetResult();
        }

        var response = _acquireRetry.Execute(
            static (state, ct) =>
            {
                try
                {
                    return state.Connection.Leases.Acquire(state.acquire, state.Connection.Options(ct));
                }
                catch (RpcException ex)
                {
                    throw RemoteErrors.Map(ex, ct);
                }
            },
            (Connection, acquire),
            CancellationToken.None);

        return response.Lease is { } lease ? Track(lease, attach: true) : null;
    }

    public async ValueTask<PoolInventory> GetInventoryAsync(CancellationToken cancellationToken = default)
    {
        await Session.Releases.WhenSettledAsync(RemoteSession.ReleaseLimit, cancellationToken).ConfigureAwait(false);
        var inventory = await UnaryAsync(c => c.Leases.GetInventoryAsync(new V1.GetInventoryRequest(), c.Options(cancellationToken)).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return WireFormat.FromWire(inventory);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Releases sent by lease disposals must reach the server before the connection goes.
        await Session.Releases.WhenSettledAsync(RemoteSession.ReleaseLimit).ConfigureAwait(false);
        await Session.DisposeAsync().ConfigureAwait(false);
        Nodes.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Takes over a live lease that another client (an earlier process of the application) acquired: renews it
    /// by id and fencing token through any server, then keeps it alive and routes its calls like its own.
    /// </summary>
    public async ValueTask<GpuLease> AttachAsync(string leaseId, long fencingToken, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(leaseId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var request = new V1.RenewRequest { LeaseId = leaseId, FencingToken = fencingToken };
        var lease = await UnaryAsync(c => c.Leases.RenewAsync(request, c.Options(cancellationToken)).ResponseAsync, cancellationToken).ConfigureAwait(false);
        SdkLog.LeaseReattached(Logger, lease.Id, lease.OwnerAddress);
        return Track(lease, attach: true);
    }

    private static V1.AcquireRequest Prepare(SliceRequest request, bool wait)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.EnsureValid();
        var wire = WireFormat.ToWire(request);
        if (wire.ClientRequestId.Length == 0)
        {
            wire.ClientRequestId = "cr_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        }

        return new V1.AcquireRequest { Slice = wire, Wait = wait };
    }

    private RemoteLease Track(V1.Lease wire, bool attach)
    {
        var lease = new RemoteLease(this, wire);
        Session.Track(lease);
        if (attach)
        {
            var message = new V1.SessionRequest { Attach = new V1.Attach() };
            message.Attach.LeaseIds.Add(lease.Id);
            _ = Session.SendAsync(message);
        }

        return lease;
    }

    private async Task<T> UnaryAsync<T>(Func<RemoteConnection, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(Connection).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw RemoteErrors.Map(ex, cancellationToken);
        }
    }
}
