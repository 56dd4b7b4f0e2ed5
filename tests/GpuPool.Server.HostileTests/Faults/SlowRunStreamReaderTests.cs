using GpuPool.Runtime.Models;
using GpuPool.Server.HostileTests.Infrastructure;
using GpuPool.Server.Services;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Faults;

/// <summary>A client that sends many runs with large replies on one RunStream and never reads them.</summary>
public sealed class SlowRunStreamReaderTests
{
    private const int ReplyBytes = 1 << 20;
    private const int Requests = 300;
    private const int InFlight = 64;

    [Fact]
    public async Task RunStream_ClientNeverReadsReplies_ServerHoldsOnlyTheInFlightReplies()
    {
        var backend = new BigOutputBackend(ReplyBytes);
        await using var server = await PoolServer.StartAsync(new PoolServerSetup
        {
            Settings = new Dictionary<string, string> { ["GpuPoolServer:MaxMessageBytes"] = (4 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Configure = builder =>
            {
                builder.Services.RemoveAll<IModelBackend>();
                builder.Services.AddSingleton<IModelBackend>(backend);
            },
        });
        using var channel = server.Channel();
        var lease = (await new V1.Leases.LeasesClient(channel).AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, PoolServer.Key(TestKeys.Alpha))).Lease;
        var inference = new V1.Inference.InferenceClient(channel);
        var model = await HostileContext.UploadAsync(inference, TestKeys.Alpha, lease.Id);
        var budget = server.Services.GetRequiredService<ClientMemoryBudget>();
        using var call = inference.RunStream(PoolServer.Key(TestKeys.Alpha));

        for (var i = 1; i <= Requests; i++)
        {
            var request = HostileContext.RunRequest(lease, model, HostileContext.FloatTensor([1], [1f]));
            request.CallId = i;
            await call.RequestStream.WriteAsync(request);
        }

        // The server stops taking requests once every in-flight slot holds a reply the client has not read.
        Assert.True(await Eventually.Until(() => budget.UsedBy("alpha") >= (InFlight - 4L) * ReplyBytes), $"held {budget.UsedBy("alpha") >> 20} MiB after {backend.Runs} runs");
        Assert.True(backend.Runs <= InFlight + 4, $"{backend.Runs} runs were done for a client that read none of their replies");
        Assert.True(budget.UsedBy("alpha") <= (InFlight + 4L) * ReplyBytes, $"{budget.UsedBy("alpha") >> 20} MiB held");

        // Nothing was lost: once the client reads, every run is done and answered.
        await call.RequestStream.CompleteAsync();
        var replies = new HashSet<long>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            Assert.Null(call.ResponseStream.Current.Error);
            replies.Add(call.ResponseStream.Current.CallId);
        }

        Assert.Equal(Requests, replies.Count);
        Assert.True(await Eventually.Until(() => budget.Used == 0), $"{budget.Used} bytes still held after the stream ended");
    }
}
