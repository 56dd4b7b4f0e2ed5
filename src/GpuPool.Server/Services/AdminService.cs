using GpuPool.Protocol.Conversion;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Errors;
using GpuPool.Server.Leasing;
using GpuPool.Runtime.Models;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>
/// gpupool.v1.Admin: operator calls, for API keys of the admin role only. Every call that passes the role
/// check is rate-limited (<see cref="AdminRateLimiter"/>) and written to the audit log, whatever its outcome.
/// </summary>
internal sealed class AdminService(LeaseOperations operations, AdminRateLimiter limiter, ILogger<AdminService> logger) : V1.Admin.AdminBase
{
    public override Task<V1.Inventory> GetInventory(V1.AdminGetInventoryRequest request, ServerCallContext context)
    {
        var admin = Admit(context);
        ServerLog.AdminInventoryRead(logger, admin.Tenant);
        return Task.FromResult(WireFormat.ToWire(operations.GetInventory()));
    }

    public override Task<V1.ListAllLeasesResponse> ListAllLeases(V1.ListAllLeasesRequest request, ServerCallContext context)
    {
        var admin = Admit(context);
        var leases = operations.List(request.Tenant.Length == 0 ? null : request.Tenant);
        ServerLog.AdminLeasesListed(logger, admin.Tenant, new ClientValue(request.Tenant.Length == 0 ? "*" : request.Tenant), leases.Count);
        var response = new V1.ListAllLeasesResponse();
        response.Leases.AddRange(leases.Select(operations.ToWire));
        return Task.FromResult(response);
    }

    public override Task<V1.DrainDeviceResponse> DrainDevice(V1.DrainDeviceRequest request, ServerCallContext context)
    {
        var admin = Admit(context);
        var found = operations.SetDraining(request.Node, request.DeviceId, request.Draining);
        ServerLog.DeviceDrainSet(logger, admin.Tenant, new ClientValue(request.Node), new ClientValue(request.DeviceId), request.Draining, found);
        if (!found)
        {
            throw new ServerErrorException(ServerError.NotFound("device-not-found", $"Device '{request.DeviceId}' on node '{request.Node}' is not in the inventory."));
        }

        return Task.FromResult(new V1.DrainDeviceResponse());
    }

    public override Task<V1.ListModelsResponse> ListModels(V1.ListModelsRequest request, ServerCallContext context)
    {
        Admit(context);
        var host = context.GetHttpContext().RequestServices.GetRequiredService<ModelHost>();
        var response = new V1.ListModelsResponse();
        foreach (var lease in operations.List(request.Tenant.Length == 0 ? null : request.Tenant))
        {
            response.Models.AddRange(host.ModelsOf(lease.Id).Where(m => !m.IsUnloaded).Select(m => new V1.LoadedModel
            {
                Model = Models.ModelWire.ToWire(m),
                Tenant = lease.Tenant,
                DeviceId = lease.Devices[0].Id,
                Node = lease.Devices[0].Node,
            }));
        }

        return Task.FromResult(response);
    }

    public override async Task<V1.RevokeLeaseResponse> RevokeLease(V1.RevokeLeaseRequest request, ServerCallContext context)
    {
        var admin = Admit(context);
        var revoked = await operations.RevokeAsync(request.LeaseId, context.CancellationToken).ConfigureAwait(false);
        ServerLog.LeaseRevoked(logger, admin.Tenant, new ClientValue(request.LeaseId), revoked switch { true => "revoked", false => "already ending", null => "not live" });
        return new V1.RevokeLeaseResponse { Revoked = revoked ?? false };
    }

    private CallerIdentity Admit(ServerCallContext context)
    {
        var admin = context.Admin();
        limiter.Take(admin.Tenant);
        return admin;
    }

    public override Task<V1.ListTenantsResponse> ListTenants(V1.ListTenantsRequest request, ServerCallContext context)
    {
        Admit(context);
        return Task.FromResult(TenantReport.Build(operations));
    }

    public override Task<V1.GetUsageResponse> GetUsage(V1.GetUsageRequest request, ServerCallContext context)
    {
        Admit(context);
        return UsageReport.BuildAsync(context.GetHttpContext().RequestServices, context.CancellationToken);
    }
}
