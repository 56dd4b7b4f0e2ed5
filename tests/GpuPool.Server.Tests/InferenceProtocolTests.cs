using GpuPool.Protocol.Conversion;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using ByteString = Google.Protobuf.ByteString;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

public sealed class InferenceProtocolTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunStream_ManyRequests_EachReplyMatchesItsCallIdAndErrorsStayPerCall()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        var lease = await AcquireAsync(raw);
        var model = await UploadAsync(raw, lease.Id, TestModels.Linear(4, 2), sha256: null);

        using var call = raw.Inference.RunStream(raw.Headers);
        for (var i = 1; i <= 20; i++)
        {
            var request = new V1.RunRequest { CallId = i, LeaseId = lease.Id, ModelId = i == 7 ? "md_missing" : model.Id };
            request.Inputs["x"] = WireFormat.ToWire(TensorValue.FromArray(new float[] { i, 0, 0, 0 }, 1, 4));
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        var replies = new Dictionary<long, V1.RunResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            replies[call.ResponseStream.Current.CallId] = call.ResponseStream.Current;
        }

        Assert.Equal(20, replies.Count);
        Assert.Equal((int)StatusCode.NotFound, replies[7].Error.Code);
        for (var i = 1; i <= 20; i++)
        {
            if (i == 7)
            {
                continue;
            }

            Assert.Null(replies[i].Error);
            var y = WireFormat.FromWire(replies[i].Outputs["y"]).ToArray<float>();
            Assert.Equal(TestModels.LinearReference([i, 0, 0, 0], 1, 4, 2), y);
        }
    }

    [Fact]
    public async Task LoadModel_HashOrSizeDoesNotMatch_InvalidArgument()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        var lease = await AcquireAsync(raw);
        var bytes = TestModels.Linear(4, 2);

        var wrongHash = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(raw, lease.Id, bytes, sha256: new string('a', 64)));
        var notAHeader = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = raw.Inference.LoadModel(raw.Headers);
            await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(bytes) });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });
        var notAModel = await Assert.ThrowsAsync<RpcException>(() => UploadAsync(raw, lease.Id, [1, 2, 3, 4, 5], sha256: null));

        Assert.Equal(StatusCode.InvalidArgument, wrongHash.StatusCode);
        Assert.Contains("not to the announced", wrongHash.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, notAHeader.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, notAModel.StatusCode);
        Assert.Equal(lease.Id, (await UploadAsync(raw, lease.Id, bytes, sha256: null)).LeaseId);
    }

    private static async Task<V1.Lease> AcquireAsync(Clients.Raw raw) =>
        (await raw.Leases.AcquireAsync(new V1.AcquireRequest { Wait = true, Slice = new V1.SliceRequest { MemoryBytes = ByteSize.MiB(128), ComputeMilli = 200 } }, raw.Headers)).Lease;

    private static async Task<V1.Model> UploadAsync(Clients.Raw raw, string leaseId, byte[] bytes, string? sha256)
    {
        using var call = raw.Inference.LoadModel(raw.Headers);
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = leaseId, Name = "m", Sha256 = sha256 ?? "", TotalBytes = bytes.Length } });
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(bytes) });
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }
}
