using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

internal static partial class HostileCases
{
    private static IEnumerable<HostileCase> Auth()
    {
        yield return Case("auth: no API key", StatusCode.Unauthenticated, c =>
            HostileContext.StatusOf(() => c.Leases.ListAsync(new V1.ListLeasesRequest()).ResponseAsync));
        yield return Case("auth: wrong API key", StatusCode.Unauthenticated, c =>
            HostileContext.StatusOf(() => c.Leases.ListAsync(new V1.ListLeasesRequest(), PoolServer.Key("gp-alpha-0000")).ResponseAsync));
        yield return Case("auth: empty API key", StatusCode.Unauthenticated, c =>
            HostileContext.StatusOf(() => c.Leases.ListAsync(new V1.ListLeasesRequest(), PoolServer.Key("")).ResponseAsync));
        yield return Case("auth: 16 KiB API key", StatusCode.Unauthenticated, c =>
            HostileContext.StatusOf(() => c.Leases.ListAsync(new V1.ListLeasesRequest(), PoolServer.Key(new string('k', 16 * 1024))).ResponseAsync));
        yield return Case("auth: right key with changed case", StatusCode.Unauthenticated, c =>
            HostileContext.StatusOf(() => c.Leases.ListAsync(new V1.ListLeasesRequest(), PoolServer.Key(TestKeys.Alpha.ToUpperInvariant())).ResponseAsync));
        yield return Case("auth: wrong bearer token", StatusCode.Unauthenticated, c =>
            HostileContext.StatusOf(() => c.Leases.ListAsync(new V1.ListLeasesRequest(), new Metadata { { "authorization", "Bearer not-a-key" } }).ResponseAsync));
        yield return Case("auth: the hash of a key instead of the key", StatusCode.Unauthenticated, c =>
            HostileContext.StatusOf(() => c.Leases.ListAsync(new V1.ListLeasesRequest(), PoolServer.Key(TestKeys.Sha256(TestKeys.Alpha))).ResponseAsync));
        yield return Case("auth: raw call without key", StatusCode.Unauthenticated, async c =>
            (await c.Raw.CallAsync("/gpupool.v1.Leases/List", RawGrpcClient.Frame([]), apiKey: null)).Status!.Value);
        yield return Case("admin: inventory with a tenant key", StatusCode.PermissionDenied, c =>
            HostileContext.StatusOf(() => c.Admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), PoolServer.Key(TestKeys.Alpha)).ResponseAsync));
        yield return Case("admin: list all leases with a tenant key", StatusCode.PermissionDenied, c =>
            HostileContext.StatusOf(() => c.Admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest { Tenant = "beta" }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync));
        yield return Case("admin: revoke another tenant's lease with a tenant key", StatusCode.PermissionDenied, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Beta);
            return await HostileContext.StatusOf(() => c.Admin.RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("admin: drain a device with a tenant key", StatusCode.PermissionDenied, c =>
            HostileContext.StatusOf(() => c.Admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = "node-a", DeviceId = "sim0", Draining = true }, PoolServer.Key(TestKeys.Beta)).ResponseAsync));
        yield return Case("admin: list all leases without a key", StatusCode.Unauthenticated, c =>
            HostileContext.StatusOf(() => c.Admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest()).ResponseAsync));
        yield return Case("admin: drain an unknown device", StatusCode.NotFound, c =>
            HostileContext.StatusOf(() => c.Admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = "node-a", DeviceId = "no-such-device", Draining = true }, PoolServer.Key(TestKeys.Admin)).ResponseAsync));
    }
}
