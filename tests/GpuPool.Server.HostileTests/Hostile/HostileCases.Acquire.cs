using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

internal static partial class HostileCases
{
    private static IEnumerable<HostileCase> Acquire()
    {
        yield return Case("acquire: no slice", StatusCode.InvalidArgument, c => AcquireStatus(c, null));
        yield return Case("acquire: neither share nor whole devices", StatusCode.InvalidArgument, c => AcquireStatus(c, new V1.SliceRequest { MemoryBytes = 1 << 20 }));
        yield return Case("acquire: both share and whole devices", StatusCode.InvalidArgument, c => AcquireStatus(c, new V1.SliceRequest { MemoryBytes = 1 << 20, ComputeMilli = 100, WholeDevices = 1 }));
        yield return Case("acquire: negative memory", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(memory: -1)));
        yield return Case("acquire: long.MaxValue memory", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(memory: long.MaxValue)));
        yield return Case("acquire: more memory than any device", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(memory: PoolServer.DeviceMemory + 1)));
        yield return Case("acquire: share 0", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(milli: 0)));
        yield return Case("acquire: share -5", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(milli: -5)));
        yield return Case("acquire: share 1001 (over one device)", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(milli: 1001)));
        yield return Case("acquire: share int.MaxValue", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(milli: int.MaxValue)));
        yield return Case("acquire: NaN share as float32 bits", StatusCode.InvalidArgument, c => RawAcquireStatus(c, new ProtoBytes().Varint(1, 1 << 20).Fixed32(2, 0x7FC00000)));
        yield return Case("acquire: NaN share as float64 bits", StatusCode.InvalidArgument, c => RawAcquireStatus(c, new ProtoBytes().Varint(1, 1 << 20).Fixed64(2, 0x7FF8000000000000)));
        yield return Case("acquire: share -1 as a 10-byte varint", StatusCode.InvalidArgument, c => RawAcquireStatus(c, new ProtoBytes().Varint(1, 1 << 20).Varint(2, ulong.MaxValue)));
        yield return Case("acquire: 0 whole devices", StatusCode.InvalidArgument, c => AcquireStatus(c, new V1.SliceRequest { MemoryBytes = 0, WholeDevices = 0 }));
        yield return Case("acquire: more whole devices than exist", StatusCode.InvalidArgument, c => AcquireStatus(c, new V1.SliceRequest { WholeDevices = 1000 }));
        yield return Case("acquire: negative time-to-live", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(ttlMs: -1)));
        yield return Case("acquire: time-to-live of long.MaxValue ms", StatusCode.InvalidArgument, c => AcquireStatus(c, HostileContext.Slice(ttlMs: long.MaxValue)));
        yield return Case("acquire: negative wait timeout", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.WaitTimeoutMs = -1;
            return AcquireStatus(c, slice, wait: true);
        });
        yield return Case("acquire: undefined priority 99", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.Priority = (V1.LeasePriority)99;
            return AcquireStatus(c, slice);
        });
        yield return Case("acquire: undefined isolation -3", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.Isolation = (V1.LeaseIsolation)(-3);
            return AcquireStatus(c, slice);
        });
        yield return Case("acquire: negative CPU share", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.CpuMilli = -1;
            return AcquireStatus(c, slice);
        });
        yield return Case("acquire: negative host memory", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.HostMemoryBytes = long.MinValue;
            return AcquireStatus(c, slice);
        });
        yield return Case("acquire: 10 000-character client request id", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.ClientRequestId = new string('r', 10_000);
            return AcquireStatus(c, slice);
        });
        yield return Case("acquire: constraint on an unknown device", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.Constraints = new V1.DeviceConstraints { DeviceId = "gpu-that-does-not-exist" };
            return AcquireStatus(c, slice);
        });
        yield return Case("acquire: over the tenant's memory quota", StatusCode.ResourceExhausted, c =>
            HostileContext.StatusOf(() => c.Leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice(memory: PoolServer.BetaMaxMemory + 1) }, PoolServer.Key(TestKeys.Beta)).ResponseAsync));
    }

    private static Task<StatusCode> AcquireStatus(HostileContext c, V1.SliceRequest? slice, bool wait = false) =>
        HostileContext.StatusOf(() => c.Leases.AcquireAsync(new V1.AcquireRequest { Slice = slice, Wait = wait }, PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(120)).ResponseAsync);

    private static async Task<StatusCode> RawAcquireStatus(HostileContext c, ProtoBytes slice)
    {
        var request = new ProtoBytes().Bytes(1, slice.ToArray()).ToArray();
        var result = await c.Raw.CallAsync("/gpupool.v1.Leases/Acquire", RawGrpcClient.Frame(request), TestKeys.Alpha);
        return result.Status ?? StatusCode.Unknown;
    }
}
