using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

internal static partial class HostileCases
{
    private static IEnumerable<HostileCase> Limits()
    {
        // Overflows: values that cannot be represented as a time span must be refused, not fail as INTERNAL.
        yield return Case("limits: renew with a time-to-live of 10^15 ms", StatusCode.InvalidArgument, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id, TimeToLiveMs = 1_000_000_000_000_000 }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("limits: renew with a time-to-live of long.MaxValue ms", StatusCode.InvalidArgument, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id, TimeToLiveMs = long.MaxValue }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("limits: batching delay of 2^62 µs", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, HostileContext.ModelBytes.Length);
            header.Batching = new V1.Batching { MaxBatchSize = 4, MaxQueueDelayUs = 1L << 62 };
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(HostileContext.ModelBytes)]);
        });
        yield return Case("limits: batching delay of 2^62 µs (load cached)", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, 0);
            header.Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(HostileContext.ModelBytes));
            header.Batching = new V1.Batching { MaxBatchSize = 4, MaxQueueDelayUs = 1L << 62 };
            await c.UploadAsync(TestKeys.Alpha, header.LeaseId);
            return await HostileContext.StatusOf(() => c.Inference.LoadCachedAsync(new V1.LoadCachedRequest { Header = header }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });

        // Strings and repeated fields over their limits (docs/protocol.md): refused before any GpuPool code reads them.
        yield return Case("limits: 100 000-character model id (run)", StatusCode.InvalidArgument, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
            model.Id = new string('m', 100_000);
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(HostileContext.RunRequest(lease, model), PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("limits: 100 000-character model id (unload)", StatusCode.InvalidArgument, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Inference.UnloadModelAsync(new V1.UnloadModelRequest { LeaseId = lease.Id, ModelId = new string('m', 100_000) }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("limits: 100 000-character input name", StatusCode.InvalidArgument, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
            var request = new V1.RunRequest { LeaseId = lease.Id, ModelId = model.Id };
            request.Inputs[new string('x', 100_000)] = HostileContext.FloatTensor([1, 4], new float[4]);
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(request, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("limits: 300 inputs", StatusCode.InvalidArgument, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
            var request = new V1.RunRequest { LeaseId = lease.Id, ModelId = model.Id };
            for (var i = 0; i < 300; i++)
            {
                request.Inputs["x" + i] = HostileContext.FloatTensor([1], new float[1]);
            }

            return await HostileContext.StatusOf(() => c.Inference.RunAsync(request, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("limits: shape of rank 100 000", StatusCode.InvalidArgument, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
            var tensor = new V1.Tensor { ElementType = V1.TensorElementType.Float32 };
            tensor.Shape.AddRange(Enumerable.Repeat(1L, 100_000));
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(HostileContext.RunRequest(lease, model, tensor), PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("limits: 100 000-character client request id", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.ClientRequestId = new string('r', 100_000);
            return AcquireStatus(c, slice);
        });
        yield return Case("limits: 1 000 device models in the constraints", StatusCode.InvalidArgument, c =>
        {
            var slice = HostileContext.Slice();
            slice.Constraints = new V1.DeviceConstraints();
            slice.Constraints.Models.AddRange(Enumerable.Repeat("SimGPU", 1_000));
            return AcquireStatus(c, slice);
        });
        yield return Case("limits: 100 000-character device id (drain, admin)", StatusCode.InvalidArgument, c =>
            HostileContext.StatusOf(() => c.Admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = "node-a", DeviceId = new string('d', 100_000) }, PoolServer.Key(TestKeys.Admin)).ResponseAsync));
        yield return Case("limits: 100 000-character model name (upload)", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, HostileContext.ModelBytes.Length);
            header.Name = new string('n', 100_000);
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(HostileContext.ModelBytes)]);
        });
        yield return Case("limits: model name with a newline", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, HostileContext.ModelBytes.Length);
            header.Name = "linear\nINFO forged log line";
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(HostileContext.ModelBytes)]);
        });
    }
}
