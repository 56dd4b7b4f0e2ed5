using Google.Protobuf;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

internal static partial class HostileCases
{
    private static IEnumerable<HostileCase> Uploads()
    {
        var model = HostileContext.ModelBytes;
        yield return Case("upload: data before the header", StatusCode.InvalidArgument, async c =>
            await UploadStatus(c, TestKeys.Alpha, [new V1.LoadModelChunk { Data = ByteString.CopyFrom(model) }]));
        yield return Case("upload: no message at all", StatusCode.InvalidArgument, c => UploadStatus(c, TestKeys.Alpha, []));
        yield return Case("upload: two headers", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, model.Length);
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Chunk(header)]);
        });
        yield return Case("upload: header only (empty model)", StatusCode.InvalidArgument, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.LeaseAsync(TestKeys.Alpha)).Id, 0))]));
        yield return Case("upload: negative total size", StatusCode.InvalidArgument, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.LeaseAsync(TestKeys.Alpha)).Id, -1)), Data(model)]));
        yield return Case("upload: announced size over the model limit", StatusCode.ResourceExhausted, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.LeaseAsync(TestKeys.Alpha)).Id, PoolServer.MaxModelBytes + 1))]));
        yield return Case("upload: announced size long.MaxValue", StatusCode.ResourceExhausted, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.LeaseAsync(TestKeys.Alpha)).Id, long.MaxValue))]));
        yield return Case("upload: chunk stream that never ends is cut at the model limit", StatusCode.ResourceExhausted, async c =>
            await EndlessUploadStatus(c, (await c.LeaseAsync(TestKeys.Alpha)).Id));
        yield return Case("upload: truncated (fewer bytes than announced)", StatusCode.InvalidArgument, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.LeaseAsync(TestKeys.Alpha)).Id, model.Length)), Data(model.AsSpan(0, model.Length / 2).ToArray())]));
        yield return Case("upload: more bytes than announced", StatusCode.InvalidArgument, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.LeaseAsync(TestKeys.Alpha)).Id, model.Length - 1)), Data(model)]));
        yield return Case("upload: corrupted chunk (SHA-256 mismatch)", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, model.Length);
            header.Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(model));
            var corrupted = (byte[])model.Clone();
            corrupted[corrupted.Length / 2] ^= 0x5A;
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(corrupted)]);
        });
        yield return Case("upload: SHA-256 that is not hex", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, model.Length);
            header.Sha256 = new string('g', 64);
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(model)]);
        });
        yield return Case("upload: bytes that are not a model", StatusCode.InvalidArgument, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.LeaseAsync(TestKeys.Alpha)).Id, 4096)), Data(new byte[4096])]));
        yield return Case("upload: truncated ONNX declared as ONNX", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, 0);
            header.Format = V1.ModelFormat.Onnx;
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(model.AsSpan(0, model.Length * 2 / 3).ToArray())]);
        });
        yield return Case("upload: undefined model format 42", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, model.Length);
            header.Format = (V1.ModelFormat)42;
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(model)]);
        });
        yield return Case("upload: 300-character model name", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, model.Length);
            header.Name = new string('n', 300);
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(model)]);
        });
        yield return Case("upload: batching with max batch size 0", StatusCode.InvalidArgument, async c =>
        {
            var header = Header((await c.LeaseAsync(TestKeys.Alpha)).Id, model.Length);
            header.Batching = new V1.Batching { MaxBatchSize = 0, MaxQueueDelayUs = -1 };
            return await UploadStatus(c, TestKeys.Alpha, [Chunk(header), Data(model)]);
        });
        yield return Case("upload: into another tenant's lease", StatusCode.PermissionDenied, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.LeaseAsync(TestKeys.Beta)).Id, model.Length)), Data(model)]));
        yield return Case("upload: into an unknown lease", StatusCode.NotFound, c =>
            UploadStatus(c, TestKeys.Alpha, [Chunk(Header("ls_unknown", model.Length)), Data(model)]));
        yield return Case("upload: into an expired lease", StatusCode.FailedPrecondition, async c =>
            await UploadStatus(c, TestKeys.Alpha, [Chunk(Header((await c.ExpiredLeaseAsync(TestKeys.Alpha)).Id, model.Length)), Data(model)]));
        yield return Case("upload: load another tenant's content by its hash", StatusCode.NotFound, async c =>
        {
            // Content only beta has ever uploaded (a seed no other case uses).
            var betaLease = await c.LeaseAsync(TestKeys.Beta);
            var betaModel = await c.UploadAsync(TestKeys.Beta, betaLease.Id, GpuPool.Testing.TestModels.Linear(4, 3, seed: 4242));
            var lease = await c.LeaseAsync(TestKeys.Alpha);
            var header = Header(lease.Id, 0);
            header.Sha256 = betaModel.Sha256;
            return await HostileContext.StatusOf(() => c.Inference.LoadCachedAsync(new V1.LoadCachedRequest { Header = header }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        });
        yield return Case("upload: load cached without a header", StatusCode.InvalidArgument, c =>
            HostileContext.StatusOf(() => c.Inference.LoadCachedAsync(new V1.LoadCachedRequest(), PoolServer.Key(TestKeys.Alpha)).ResponseAsync));
    }

    private static V1.ModelHeader Header(string leaseId, long totalBytes) => new() { LeaseId = leaseId, Name = "linear", TotalBytes = totalBytes };

    private static V1.LoadModelChunk Chunk(V1.ModelHeader header) => new() { Header = header };

    private static V1.LoadModelChunk Data(byte[] bytes) => new() { Data = ByteString.CopyFrom(bytes) };

    private static async Task<StatusCode> UploadStatus(HostileContext c, string key, IReadOnlyList<V1.LoadModelChunk> chunks)
    {
        using var call = c.Inference.LoadModel(PoolServer.Key(key), deadline: DateTime.UtcNow.AddSeconds(30));
        try
        {
            foreach (var chunk in chunks)
            {
                await call.RequestStream.WriteAsync(chunk);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The server answered before the client finished writing; its status is on the response.
        }

        return await HostileContext.StatusOf(() => call.ResponseAsync);
    }

    /// <summary>Writes 64 KiB chunks until the server ends the call (bounded by a 60 s client deadline, which must not be what ends it).</summary>
    private static async Task<StatusCode> EndlessUploadStatus(HostileContext c, string leaseId)
    {
        using var call = c.Inference.LoadModel(PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(60));
        var chunk = Data(new byte[64 * 1024]);
        try
        {
            await call.RequestStream.WriteAsync(Chunk(Header(leaseId, 0)));
            for (var sent = 0L; sent < 64L * PoolServer.MaxModelBytes; sent += 64 * 1024)
            {
                await call.RequestStream.WriteAsync(chunk);
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // Cut off by the server.
        }

        return await HostileContext.StatusOf(() => call.ResponseAsync);
    }
}
