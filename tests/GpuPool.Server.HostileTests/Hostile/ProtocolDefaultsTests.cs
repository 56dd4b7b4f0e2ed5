using GpuPool.Server.HostileTests.Infrastructure;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>What a client written from the .proto files alone gets when it leaves fields unset.</summary>
public sealed class ProtocolDefaultsTests
{
    [Fact]
    public async Task Acquire_PriorityUnset_GetsNormalAndExplicitLowStaysLow()
    {
        await using var server = await PoolServer.StartAsync();
        using var channel = server.Channel();
        var leases = new V1.Leases.LeasesClient(channel);
        var low = HostileContext.Slice();
        low.Priority = V1.LeasePriority.Low;

        var unset = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, PoolServer.Key(TestKeys.Alpha))).Lease;
        var explicitLow = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = low }, PoolServer.Key(TestKeys.Alpha))).Lease;

        Assert.Equal(V1.LeasePriority.Normal, unset.Priority);
        Assert.Equal(V1.LeasePriority.Low, explicitLow.Priority);
    }

    [Fact]
    public async Task Session_Hello_CarriesTheServersDefaultTimeToLive()
    {
        await using var server = await PoolServer.StartAsync();
        using var channel = server.Channel();
        using var session = new V1.Leases.LeasesClient(channel).Session(PoolServer.Key(TestKeys.Alpha));

        Assert.True(await session.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(60_000, session.ResponseStream.Current.Hello.DefaultTimeToLiveMs);
        await session.RequestStream.CompleteAsync();
    }
}
