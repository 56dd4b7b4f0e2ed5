using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

internal static partial class HostileCases
{
    private static IEnumerable<HostileCase> LeaseIds()
    {
        yield return Case("lease: unknown id", StatusCode.NotFound, c => GetStatus(c, "ls_does_not_exist"));
        yield return Case("lease: empty id", StatusCode.InvalidArgument, c => GetStatus(c, ""));
        yield return Case("lease: 100 000-character id", StatusCode.InvalidArgument, c => GetStatus(c, new string('x', 100_000)));
        yield return Case("lease: id with control characters and NUL", StatusCode.NotFound, c => GetStatus(c, "ls_\0\u0007\r\n"));
        yield return Case("lease: id with invalid UTF-8 bytes", StatusCode.Unknown, async c =>
        {
            var request = new ProtoBytes().Bytes(1, [0x6C, 0x73, 0xC3, 0x28, 0xFF, 0xFE]).ToArray();
            return await RawStatus(c, "/gpupool.v1.Leases/Get", RawGrpcClient.Frame(request));
        });
        yield return Case("lease: another tenant's lease (get)", StatusCode.PermissionDenied, async c =>
            await GetStatus(c, (await c.LeaseAsync(TestKeys.Beta)).Id));
        yield return Case("lease: another tenant's lease (release)", StatusCode.PermissionDenied, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Beta);
            return await HostileContext.StatusOf(() => c.Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("lease: another tenant's lease (renew)", StatusCode.PermissionDenied, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Beta);
            return await HostileContext.StatusOf(() => c.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("lease: renew an expired lease", StatusCode.FailedPrecondition, async c =>
        {
            var lease = await c.ExpiredLeaseAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("lease: renew a released lease", StatusCode.FailedPrecondition, async c =>
        {
            var lease = await c.ReleasedLeaseAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("lease: replayed release answers released=false", StatusCode.OK, async c =>
        {
            var lease = await c.ReleasedLeaseAsync(TestKeys.Alpha);
            var replay = await c.Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha));
            return replay.Released ? StatusCode.Internal : StatusCode.OK;
        });
        yield return Case("lease: release with a stale fencing token", StatusCode.FailedPrecondition, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id, FencingToken = lease.FencingToken + 1 }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("lease: renew with a negative time-to-live", StatusCode.InvalidArgument, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id, TimeToLiveMs = -10 }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("lease: revoke an unknown lease (admin) answers revoked=false", StatusCode.OK, async c =>
        {
            var response = await c.Admin.RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = "ls_nope" }, PoolServer.Key(TestKeys.Admin));
            return response.Revoked ? StatusCode.Internal : StatusCode.OK;
        });
    }

    private static Task<StatusCode> GetStatus(HostileContext c, string leaseId) =>
        HostileContext.StatusOf(() => c.Leases.GetAsync(new V1.GetLeaseRequest { LeaseId = leaseId }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
}
