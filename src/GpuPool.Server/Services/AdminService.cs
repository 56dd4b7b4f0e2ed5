using GpuPool.Protocol.Conversion;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Leasing;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>gpupool.v1.Admin: operator calls, for API keys of the admin role only.</summary>
internal sealed class AdminService(LeaseOperations operations, ILogger<AdminService> logger) : V1.Admin.AdminBase
{
    public override Task<V1.Inventory> GetInventory(V1.AdminGetInventoryRequest request, ServerCallContext context)
    {
        context.Admin();
        return Task.FromResult(WireFormat.ToWire(operations.GetInventory()));
    }

    public override Task<V1.ListAllLeasesResponse> ListAllLeases(V1.ListAllLeasesRequest request, ServerCallContext context)
    {
        context.Admin();
        var response = new V1.ListAllLeasesResponse();
        response.Leases.AddRange(operations.List(request.Tenant.Length == 0 ? null : request.Tenant).Select(operations.ToWire));
        return Task.FromResult(response);
    }

    public override Task<V1.DrainDeviceResponse> DrainDevice(V1.DrainDeviceRequest request, ServerCallContext context)
    {
        var admin = context.Admin();
        if (!operations.SetDraining(request.Node, request.DeviceId, request.Draining))
        {
            throw new Errors.ServerErrorException(Errors.ServerError.NotFound("device-not-found", $"Device '{request.DeviceId}' on node '{request.Node}' is not in the inventory."));
        }

        ServerLog.DeviceDrainSet(logger, admin.Tenant, request.Node, request.DeviceId, request.Draining);
        return Task.FromResult(new V1.DrainDeviceResponse());
    }

    public override Task<V1.RevokeLeaseResponse> RevokeLease(V1.RevokeLeaseRequest request, ServerCallContext context)
    {
        var admin = context.Admin();
        if (operations.Revoke(request.LeaseId) is not { } revoked)
        {
            return Task.FromResult(new V1.RevokeLeaseResponse { Revoked = false });
        }

        ServerLog.LeaseRevoked(logger, admin.Tenant, request.LeaseId);
        return Task.FromResult(new V1.RevokeLeaseResponse { Revoked = revoked });
    }

    public override Task<V1.ListTenantsResponse> ListTenants(V1.ListTenantsRequest request, ServerCallContext context)
    {
        context.Admin();
        return Task.FromResult(TenantReport.Build(operations));
    }
}
