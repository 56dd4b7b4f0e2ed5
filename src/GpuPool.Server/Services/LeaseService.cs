using GpuPool.Protocol.Conversion;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Errors;
using GpuPool.Server.Leasing;
using GpuPool.Server.Sessions;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using GpuPool.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>gpupool.v1.Leases: the caller's own leases.</summary>
internal sealed class LeaseService(
    LeaseOperations operations,
    SessionRegistry sessions,
    ServerErrorMapper errors,
    ServerMetrics metrics,
    IHostApplicationLifetime lifetime,
    IOptions<GpuPoolRuntimeOptions> runtime,
    ClientMemoryBudget budget,
    ILogger<LeaseService> logger) : V1.Leases.LeasesBase
{
    /// <summary>The longest time-to-live a request may name (one year); longer ones cannot even be represented as a time span everywhere.</summary>
    private const long MaxTimeToLiveMs = 365L * 24 * 3600 * 1000;

    public override async Task<V1.AcquireResponse> Acquire(V1.AcquireRequest request, ServerCallContext context)
    {
        var lease = await operations.AcquireAsync(context.Caller(), request, context.CancellationToken).ConfigureAwait(false);
        return lease is null ? new V1.AcquireResponse() : new V1.AcquireResponse { Lease = operations.ToWire(lease) };
    }

    public override async Task<V1.Lease> Renew(V1.RenewRequest request, ServerCallContext context)
    {
        if (request.TimeToLiveMs is < 0 or > MaxTimeToLiveMs)
        {
            throw new InvalidPoolRequestException($"time_to_live_ms must be between 0 and {MaxTimeToLiveMs} (one year); got {request.TimeToLiveMs}.");
        }

        var lease = operations.GetOwned(context.Caller(), request.LeaseId, request.FencingToken);
        await operations.RenewAsync(lease, request.TimeToLiveMs == 0 ? null : TimeSpan.FromMilliseconds(request.TimeToLiveMs), context.CancellationToken).ConfigureAwait(false);
        return operations.ToWire(lease);
    }

    public override async Task<V1.ReleaseResponse> Release(V1.ReleaseRequest request, ServerCallContext context) =>
        new V1.ReleaseResponse { Released = await operations.ReleaseAsync(context.Caller(), request.LeaseId, request.FencingToken, context.CancellationToken).ConfigureAwait(false) };

    public override Task<V1.Lease> Get(V1.GetLeaseRequest request, ServerCallContext context) =>
        Task.FromResult(operations.ToWire(operations.GetOwned(context.Caller(), request.LeaseId)));

    public override Task<V1.ListLeasesResponse> List(V1.ListLeasesRequest request, ServerCallContext context)
    {
        var response = new V1.ListLeasesResponse();
        response.Leases.AddRange(operations.List(context.Caller().Tenant).Select(operations.ToWire));
        return Task.FromResult(response);
    }

    public override Task<V1.Inventory> GetInventory(V1.GetInventoryRequest request, ServerCallContext context)
    {
        context.Caller();
        return Task.FromResult(WireFormat.ToWire(operations.GetInventory()));
    }

    public override async Task Session(IAsyncStreamReader<V1.SessionRequest> requestStream, IServerStreamWriter<V1.SessionEvent> responseStream, ServerCallContext context)
    {
        var caller = context.Caller();
        var session = new LeaseSession(caller, operations, sessions, errors, runtime.Value.DefaultTimeToLive, budget);
        ServerLog.SessionOpened(logger, caller.Tenant, context.Peer);
        metrics.SessionOpened();
        try
        {
            // Sessions last as long as their client; a stopping server ends them so that shutdown does not wait.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
            await session.RunAsync(requestStream, responseStream, stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            metrics.SessionClosed();
        }

        ServerLog.SessionClosed(logger, caller.Tenant, session.LeaseCount);
    }
}
