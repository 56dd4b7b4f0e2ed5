using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Faults;

/// <summary>A client that floods its keep-alive session with pings and never reads the replies.</summary>
public sealed class SlowSessionReaderTests
{
    [Fact]
    public async Task Session_ClientNeverReadsReplies_ServerEndsItInsteadOfQueueingWithoutLimit()
    {
        await using var server = await PoolServer.StartAsync();
        using var channel = server.Channel();
        var leases = new V1.Leases.LeasesClient(channel);
        using var session = leases.Session(PoolServer.Key(TestKeys.Alpha));
        const int pings = 50_000;

        for (var i = 1; i <= pings; i++)
        {
            await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = i, Ping = new V1.Ping() });
        }

        // The request stream stays open: only the server can end this call.
        var delivered = 0;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await session.ResponseStream.MoveNext(guard.Token))
            {
                delivered++;
            }
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !guard.IsCancellationRequested)
        {
            // The server may end the call with a status instead of a clean end of stream.
        }

        Assert.False(guard.IsCancellationRequested, "the server kept the flooded session open");
        Assert.True(delivered < pings, $"all {delivered} replies were queued and delivered");
        var health = await new HttpClient().GetAsync(new Uri(server.HttpAddress, "/health/ready"));
        Assert.True(health.IsSuccessStatusCode);
    }
}
