using System.Security.Claims;
using GpuPool.Dashboard.Auth;
using GpuPool.Dashboard.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Pools;

/// <summary>
/// Drain, undrain and revoke, made with the operator's own admin key (so the pool's audit log names the
/// operator's tenant) and written to the dashboard's audit log; the pools are read again at once after.
/// </summary>
internal sealed class PoolActions(PoolDirectory directory, PoolMonitor monitor, ILogger<PoolActions> logger)
{
    public Task<ActionOutcome> SetDrainingAsync(ClaimsPrincipal user, string pool, string node, string deviceId, bool draining, CancellationToken cancellationToken) =>
        RunAsync(user, pool, draining ? "drain" : "undrain", $"device {deviceId} on node {node}", async (client, key) =>
        {
            await client.CallAsync(key, (c, o) => c.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = node, DeviceId = deviceId, Draining = draining }, o), cancellationToken).ConfigureAwait(false);
            return draining ? $"Device {deviceId} is draining: it takes no new leases." : $"Device {deviceId} takes new leases again.";
        }, cancellationToken);

    public Task<ActionOutcome> RevokeAsync(ClaimsPrincipal user, string pool, string leaseId, CancellationToken cancellationToken) =>
        RunAsync(user, pool, "revoke", $"lease {leaseId}", async (client, key) =>
        {
            var answer = await client.CallAsync(key, (c, o) => c.RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = leaseId }, o), cancellationToken).ConfigureAwait(false);
            return answer.Revoked ? $"Lease {leaseId} was revoked; its holder has been told." : $"Lease {leaseId} had already ended.";
        }, cancellationToken);

    private async Task<ActionOutcome> RunAsync(ClaimsPrincipal user, string pool, string action, string target, Func<PoolClient, string, Task<string>> call, CancellationToken cancellationToken)
    {
        var client = directory.Find(pool);
        ActionOutcome outcome;
        if (client is null || user.Key() is not { } key || !user.IsAdminOn(pool))
        {
            outcome = new ActionOutcome(false, $"Your key has no admin role on pool '{pool}'.");
        }
        else
        {
            try
            {
                outcome = new ActionOutcome(true, await call(client, key).ConfigureAwait(false));
            }
            catch (RpcException e)
            {
                outcome = new ActionOutcome(false, e.StatusCode == StatusCode.NotFound ? $"Pool '{pool}' has no {target}." : PoolReader.Describe(e.StatusCode));
            }

            await monitor.RefreshAsync(pool, cancellationToken).ConfigureAwait(false);
        }

        var who = user.Operator();
        DashboardLog.ActionDone(logger, who, action, target, pool, outcome.Message);
        return outcome;
    }
}
