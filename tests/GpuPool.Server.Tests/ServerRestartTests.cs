using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

public sealed class ServerRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ServerRestarts_WhileClientHoldsLease_ClientSeesLeaseLost()
    {
        var server = await ServerHost.StartAsync(output);
        var port = server.GrpcPort;
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await KeepAliveTests.WaitForSession(pool);
        var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));

        // The port stays held while the stopped server's services are disposed; released for the restart.
        var hold = await server.StopHoldingPortAsync();
        hold.Dispose();
        await using var restarted = await ServerHost.StartAsync(output, grpcPort: port);

        await Signals.WhenCancelled(lease.LeaseLost);
        Assert.Equal(LeaseLostReason.ServerRestarted, lease.LostReason);
        var error = await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync().AsTask());
        Assert.Equal(LeaseLostReason.ServerRestarted, error.Reason);

        // The client goes on working against the new server.
        await using var next = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));
        Assert.NotEqual(lease.Id, next.Id);
    }

    [Fact]
    public async Task ServerGone_PastTheLeaseTtl_ClientSeesConnectionLost()
    {
        var clientTime = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha, clientTime, o => o.KeepAliveInterval = TimeSpan.FromSeconds(2));
        var pool = client.GetRequiredService<IGpuPool>();
        await KeepAliveTests.WaitForSession(pool);
        var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100) with { TimeToLive = TimeSpan.FromSeconds(10) });

        await server.DisposeAsync();
        await Signals.Until(() => !((Remote.RemoteGpuPool)pool).Session.IsConnected);
        clientTime.Advance(TimeSpan.FromSeconds(8));
        Assert.False(lease.LeaseLost.IsCancellationRequested);
        clientTime.Advance(TimeSpan.FromSeconds(2));

        await Signals.WhenCancelled(lease.LeaseLost);
        Assert.Equal(LeaseLostReason.ConnectionLost, lease.LostReason);
    }
}
