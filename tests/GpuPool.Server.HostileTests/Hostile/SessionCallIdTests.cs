using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>Session requests that reuse a call id: one call id names one waiting acquire, so a cancel cancels exactly it.</summary>
public sealed class SessionCallIdTests
{
    [Fact]
    public async Task Session_SecondWaitingAcquireWithTheSameCallId_IsRefusedAndCancelLeavesNothingWaiting()
    {
        await using var server = await PoolServer.StartAsync();
        using var channel = server.Channel();
        var leases = new V1.Leases.LeasesClient(channel);
        var alpha = PoolServer.Key(TestKeys.Alpha);
        // Fill the pool so that the session's acquires wait.
        var whole = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = new V1.SliceRequest { WholeDevices = PoolServer.DeviceCount } }, alpha)).Lease;
        using var session = leases.Session(alpha);
        Assert.True(await session.ResponseStream.MoveNext(CancellationToken.None));
        Assert.NotNull(session.ResponseStream.Current.Hello);

        var waiting = new V1.AcquireRequest { Slice = HostileContext.Slice(), Wait = true };
        await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = 7, Acquire = waiting });
        await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = 7, Acquire = waiting });
        var duplicate = await NextReplyAsync(session.ResponseStream);
        await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = 8, Cancel = new V1.Cancel { CallId = 7 } });
        var cancelled = await NextReplyAsync(session.ResponseStream);

        Assert.Equal(7, duplicate.CallId);
        Assert.Equal((int)StatusCode.InvalidArgument, duplicate.Error.Code);
        Assert.Equal(7, cancelled.CallId);
        Assert.Equal((int)StatusCode.Cancelled, cancelled.Error.Code);

        // With the pool free again, no acquire is left waiting to take it.
        await leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = whole.Id }, alpha);
        await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = 9, Ping = new V1.Ping() });
        var pong = await NextReplyAsync(session.ResponseStream);
        Assert.Equal(9, pong.CallId);
        Assert.Empty((await leases.ListAsync(new V1.ListLeasesRequest(), alpha)).Leases);
    }

    private static async Task<V1.SessionReply> NextReplyAsync(IAsyncStreamReader<V1.SessionEvent> events)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (await events.MoveNext(guard.Token))
        {
            if (events.Current.Reply is { } reply)
            {
                return reply;
            }
        }

        throw new InvalidOperationException("The session ended before the reply.");
    }
}
