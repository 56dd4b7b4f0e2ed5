using GpuPool.Server.Auth;
using GpuPool.Server.Leasing;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.SharedMemory;

/// <summary>gpupool.v1.SharedMemory: registering the caller's shared-memory regions against its leases.</summary>
internal sealed class SharedMemoryService(LeaseOperations operations, SharedMemoryRegistry registry) : V1.SharedMemory.SharedMemoryBase
{
    public override Task<V1.SharedMemoryRegion> Register(V1.RegisterRegionRequest request, ServerCallContext context)
    {
        var lease = operations.GetServed(context.Caller(), request.LeaseId);
        lease.EnsureActive();
        var region = registry.Register(lease, request.Name, request.Path, request.Offset, request.ByteSize);
        return Task.FromResult(ToWire(region));
    }

    public override Task<V1.UnregisterRegionResponse> Unregister(V1.UnregisterRegionRequest request, ServerCallContext context)
    {
        // An ended lease's regions are already gone; asking about them is not an error.
        operations.GetServed(context.Caller(), request.LeaseId);
        return Task.FromResult(new V1.UnregisterRegionResponse { Removed = registry.Unregister(request.LeaseId, request.Name) });
    }

    public override Task<V1.RegionStatusResponse> Status(V1.RegionStatusRequest request, ServerCallContext context)
    {
        operations.GetServed(context.Caller(), request.LeaseId);
        var response = new V1.RegionStatusResponse();
        response.Regions.AddRange(registry.Of(request.LeaseId)
            .Where(r => request.Name.Length == 0 || string.Equals(r.Key.Name, request.Name, StringComparison.Ordinal))
            .Select(ToWire));
        return Task.FromResult(response);
    }

    private static V1.SharedMemoryRegion ToWire(MappedRegion region) => new()
    {
        LeaseId = region.Key.LeaseId,
        Name = region.Key.Name,
        Path = region.Path,
        Offset = region.Offset,
        ByteSize = region.ByteSize,
    };
}
