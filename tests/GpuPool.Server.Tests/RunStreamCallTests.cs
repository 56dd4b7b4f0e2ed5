using GpuPool.Protocol.Conversion;
using GpuPool.Server.Tests.Support;
using Grpc.Core;
using ByteString = Google.Protobuf.ByteString;
using V1 = GpuPool.Protocol.V1;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

/// <summary>RunStream's call ids on the wire: one run in flight per id, and cancel messages that stop that run only.</summary>
public sealed class RunStreamCallTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunStream_DuplicateCallIdInFlight_RefusesThatCallOnlyAndTheFirstCompletes()
    {
        using var gated = new GatedBackend();
        await using var server = await SingleSlotServer.StartAsync(output, gated);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        var (lease, model) = await LoadAsync(raw);
        using var call = raw.Inference.RunStream(raw.Headers);

        await call.RequestStream.WriteAsync(Request(lease, model, callId: 1, value: 1));
        await gated.WhenEnteredAsync();
        await call.RequestStream.WriteAsync(Request(lease, model, callId: 1, value: 2));

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var refused = call.ResponseStream.Current;
        Assert.Equal(1, refused.CallId);
        Assert.Equal((int)StatusCode.InvalidArgument, refused.Error.Code);
        Assert.Contains("already in flight", refused.Error.Message, StringComparison.Ordinal);

        gated.Open();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var first = call.ResponseStream.Current;
        Assert.Equal(1, first.CallId);
        Assert.Null(first.Error);
        Assert.Equal([1f], WireFormat.FromWire(first.Outputs["y"]).ToArray<float>());

        // Once answered, the id may be used again on the same stream.
        await call.RequestStream.WriteAsync(Request(lease, model, callId: 1, value: 3));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Null(call.ResponseStream.Current.Error);
        Assert.Equal([3f], WireFormat.FromWire(call.ResponseStream.Current.Outputs["y"]).ToArray<float>());
        Assert.Equal(2, gated.Runs);
    }

    [Fact]
    public async Task RunStream_CancelOfQueuedRun_AnswersCancelledAndTheRunNeverStarts()
    {
        using var gated = new GatedBackend();
        await using var server = await SingleSlotServer.StartAsync(output, gated);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        var (lease, model) = await LoadAsync(raw);
        using var call = raw.Inference.RunStream(raw.Headers);

        // The device has one run slot: call 1 holds it at the gate, call 2 waits in the queue.
        await call.RequestStream.WriteAsync(Request(lease, model, callId: 1, value: 1));
        await gated.WhenEnteredAsync();
        await call.RequestStream.WriteAsync(Request(lease, model, callId: 2, value: 2));
        await call.RequestStream.WriteAsync(new V1.RunRequest { CallId = 2, Cancel = true });
        // A cancel for an id that is not in flight changes nothing.
        await call.RequestStream.WriteAsync(new V1.RunRequest { CallId = 99, Cancel = true });

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(2, call.ResponseStream.Current.CallId);
        Assert.Equal((int)StatusCode.Cancelled, call.ResponseStream.Current.Error.Code);

        gated.Open();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1, call.ResponseStream.Current.CallId);
        Assert.Null(call.ResponseStream.Current.Error);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1, gated.Runs);
    }

    internal static async Task<(V1.Lease Lease, V1.Model Model)> LoadAsync(Clients.Raw raw)
    {
        var lease = (await raw.Leases.AcquireAsync(new V1.AcquireRequest { Wait = true, Slice = new V1.SliceRequest { MemoryBytes = ByteSize.MiB(64), ComputeMilli = 500 } }, raw.Headers)).Lease;
        using var upload = raw.Inference.LoadModel(raw.Headers);
        // Any ONNX file: the gated backend echoes whatever it is.
        var bytes = GpuPool.Testing.TestModels.Linear(1, 1);
        await upload.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = lease.Id, Name = "gated", TotalBytes = bytes.Length } });
        await upload.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(bytes) });
        await upload.RequestStream.CompleteAsync();
        return (lease, await upload.ResponseAsync);
    }

    private static V1.RunRequest Request(V1.Lease lease, V1.Model model, long callId, float value)
    {
        var request = new V1.RunRequest { CallId = callId, LeaseId = lease.Id, ModelId = model.Id };
        request.Inputs["x"] = WireFormat.ToWire(TensorValue.FromArray(new[] { value }, 1));
        return request;
    }
}
