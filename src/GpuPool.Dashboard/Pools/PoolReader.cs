using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Pools;

/// <summary>Reads one pool's state with the dashboard's admin key; a failure becomes a snapshot that says why.</summary>
internal static class PoolReader
{
    public static async Task<PoolSnapshot> ReadAsync(PoolClient pool, TimeProvider time, CancellationToken cancellationToken)
    {
        var key = pool.AdminKey;
        try
        {
            var inventory = await pool.CallAsync(key, (c, o) => c.GetInventoryAsync(new V1.AdminGetInventoryRequest(), o), cancellationToken).ConfigureAwait(false);
            var leases = await pool.CallAsync(key, (c, o) => c.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), o), cancellationToken).ConfigureAwait(false);
            var tenants = await ReadTenantsAsync(pool, cancellationToken).ConfigureAwait(false);
            var usage = await UsageReader.ReadAsync(pool, cancellationToken).ConfigureAwait(false);
            return new PoolSnapshot
            {
                Name = pool.Name,
                Addresses = pool.Addresses,
                Status = PoolStatus.Up,
                TakenAt = time.GetUtcNow(),
                Devices = inventory.Devices,
                Leases = leases.Leases,
                Tenants = tenants.Tenants,
                WaitingAcquires = tenants.WaitingAcquires,
                Usage = usage,
            };
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new PoolSnapshot
            {
                Name = pool.Name,
                Addresses = pool.Addresses,
                Status = PoolStatus.Down,
                Problem = Describe(e.StatusCode),
                TakenAt = time.GetUtcNow(),
            };
        }
    }

    /// <summary>What an operator should read for a failed call.</summary>
    public static string Describe(StatusCode code) => code switch
    {
        StatusCode.Unavailable => "Unreachable: no server of the pool answered.",
        StatusCode.DeadlineExceeded => "No answer in time.",
        StatusCode.Unauthenticated => "The pool refused the dashboard's admin key.",
        StatusCode.PermissionDenied => "The dashboard's key has no admin role on this pool.",
        _ => $"The pool answered {code}.",
    };

    private static async Task<V1.ListTenantsResponse> ReadTenantsAsync(PoolClient pool, CancellationToken cancellationToken)
    {
        try
        {
            return await pool.CallAsync(pool.AdminKey, (c, o) => c.ListTenantsAsync(new V1.ListTenantsRequest(), o), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            // A server older than the tenants call still shows its devices and leases.
            return new V1.ListTenantsResponse();
        }
    }
}
