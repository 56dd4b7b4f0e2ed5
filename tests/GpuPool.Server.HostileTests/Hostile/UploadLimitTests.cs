using Google.Protobuf;
using GpuPool.Protocol;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>
/// Uploads that try to make the server hold memory or a call open: cut off by configured limits. Run alone: the allocation
/// check counts every thread of the process (the server allocates on pool threads, not the test's).
/// </summary>
[Collection(ProcessAllocationGroup.Name)]
public sealed class UploadLimitTests
{
    [Fact]
    public async Task LoadModel_StreamThatStallsAfterTheHeader_IsCutOffByTheUploadTimeout()
    {
        await using var server = await PoolServer.StartAsync(new PoolServerSetup
        {
            Settings = new Dictionary<string, string> { ["GpuPoolServer:ModelUploadTimeout"] = "00:00:01" },
        });
        using var channel = server.Channel();
        var leases = new V1.Leases.LeasesClient(channel);
        var lease = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, PoolServer.Key(TestKeys.Alpha))).Lease;
        var inference = new V1.Inference.InferenceClient(channel);

        // The client never sends a byte after the header and never completes; only its own deadline (60 s) would end it.
        using var call = inference.LoadModel(PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(60));
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = lease.Id, TotalBytes = 1000 } });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal("upload-timeout", error.Trailers.GetValue(ErrorKinds.Trailer)); // the server cut it off: the client's own deadline carries no such trailer
        Assert.NotNull((await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, PoolServer.Key(TestKeys.Alpha))).Lease);
    }

    [Fact]
    public async Task LoadModel_HeaderAnnouncingTheLimit_DoesNotMakeTheServerAllocateIt()
    {
        const long limit = 512L << 20;
        await using var server = await PoolServer.StartAsync(new PoolServerSetup
        {
            Settings = new Dictionary<string, string> { ["GpuPoolServer:MaxModelBytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        });
        using var channel = server.Channel();
        var leases = new V1.Leases.LeasesClient(channel);
        // A lease the announced model fits: a larger announcement is refused against the lease at once.
        var lease = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice(memory: 1L << 30) }, PoolServer.Key(TestKeys.Alpha))).Lease;
        var inference = new V1.Inference.InferenceClient(channel);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        // Announce the largest allowed model, send 1 KiB, stop: a server that trusts the header reserves 512 MiB per call.
        using var call = inference.LoadModel(PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(30));
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = lease.Id, TotalBytes = limit } });
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(new byte[1024]) });
        await call.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.True(allocated < limit / 4, $"the server allocated {allocated >> 20} MiB for a 1 KiB upload that announced {limit >> 20} MiB");
    }
}
