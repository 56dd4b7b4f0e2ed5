using Google.Protobuf;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

internal static partial class HostileCases
{
    private static IEnumerable<HostileCase> Tensors()
    {
        yield return Case("run: a valid request (control)", StatusCode.OK, c => RunStatus(c, null));
        yield return Case("run: declared shape larger than the data", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Float32, [2, 4], 16)));
        yield return Case("run: declared shape smaller than the data", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Float32, [1, 4], 20)));
        yield return Case("run: wrong element type (int32 for float32)", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Int32, [1, 4], 16)));
        yield return Case("run: element type unspecified", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Unspecified, [1, 4], 16)));
        yield return Case("run: undefined element type 99", StatusCode.InvalidArgument, c => RunStatus(c, Tensor((V1.TensorElementType)99, [1, 4], 16)));
        yield return Case("run: rank 10 000", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Float32, [.. Enumerable.Repeat(1L, 10_000)], 4)));
        yield return Case("run: negative dimension", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Float32, [-1, -4], 16)));
        yield return Case("run: shape whose element count overflows", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Float32, [1L << 62, 1L << 62], 0)));
        yield return Case("run: shape whose byte count wraps to zero", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Float32, [1L << 60, 4], 0)));
        yield return Case("run: wrong fixed dimension", StatusCode.InvalidArgument, c => RunStatus(c, Tensor(V1.TensorElementType.Float32, [1, 5], 20)));
        yield return Case("run: missing input", StatusCode.InvalidArgument, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(new V1.RunRequest { LeaseId = lease.Id, ModelId = model.Id }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("run: unknown input name", StatusCode.InvalidArgument, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
            var request = HostileContext.RunRequest(lease, model);
            request.Inputs["not_an_input"] = request.Inputs["x"];
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(request, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("run: tensor over the message limit", StatusCode.ResourceExhausted, c =>
            RunStatus(c, Tensor(V1.TensorElementType.Float32, [(PoolServer.MaxMessageBytes / 16) + 1, 4], (((PoolServer.MaxMessageBytes / 16) + 1) * 16))));
        yield return Case("run: unknown model id", StatusCode.NotFound, async c =>
        {
            var lease = await c.LeaseAsync(TestKeys.Alpha);
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(new V1.RunRequest { LeaseId = lease.Id, ModelId = "md_999999" }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("run: another tenant's model", StatusCode.PermissionDenied, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Beta);
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(HostileContext.RunRequest(lease, model), PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("run: a model of a released lease", StatusCode.FailedPrecondition, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
            await c.Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha));
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(HostileContext.RunRequest(lease, model), PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("run: unload another tenant's model", StatusCode.PermissionDenied, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Beta);
            return await HostileContext.StatusOf(() => c.Inference.UnloadModelAsync(new V1.UnloadModelRequest { LeaseId = lease.Id, ModelId = model.Id }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("run stream: a malformed tensor fails that call only", StatusCode.InvalidArgument, async c =>
        {
            var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
            using var call = c.Inference.RunStream(PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(30));
            var bad = HostileContext.RunRequest(lease, model, Tensor(V1.TensorElementType.Float32, [1, 4], 3));
            bad.CallId = 1;
            var good = HostileContext.RunRequest(lease, model);
            good.CallId = 2;
            await call.RequestStream.WriteAsync(bad);
            await call.RequestStream.WriteAsync(good);
            await call.RequestStream.CompleteAsync();
            var replies = new Dictionary<long, V1.RunResponse>();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                replies[call.ResponseStream.Current.CallId] = call.ResponseStream.Current;
            }

            return replies[2].Error is null && replies[2].Outputs.ContainsKey("y") ? (StatusCode)(replies[1].Error?.Code ?? 0) : StatusCode.Internal;
        });
    }

    private static V1.Tensor Tensor(V1.TensorElementType type, long[] shape, long dataBytes)
    {
        var tensor = new V1.Tensor { ElementType = type, Data = ByteString.CopyFrom(new byte[dataBytes]) };
        tensor.Shape.AddRange(shape);
        return tensor;
    }

    private static async Task<StatusCode> RunStatus(HostileContext c, V1.Tensor? tensor)
    {
        var (lease, model) = await c.LeaseWithModelAsync(TestKeys.Alpha);
        try
        {
            return await HostileContext.StatusOf(() => c.Inference.RunAsync(HostileContext.RunRequest(lease, model, tensor), PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
        }
        finally
        {
            await c.Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, PoolServer.Key(TestKeys.Alpha));
        }
    }
}
