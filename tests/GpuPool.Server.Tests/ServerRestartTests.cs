using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Server.Tests;

public sealed class ServerRestartTests
{
    [Fact]
    public async Task ServerRestarts_WhileClientHoldsLease_ClientSeesLeaseLost()
    {
        var server = await ServerHost.StartAsync();
        var port = server.GrpcPort;
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await KeepAliveTests.WaitForSession(pool);
        var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));

        await server.DisposeAsync();
        await using var restarted = await ServerHost.StartAsync(grpcPort: port);

        await Signals.WhenCancelled(lease.LeaseLost);
        Assert.Equal(LeaseLostReason.ServerRestarted, lease.LostReason);
        var error = await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync().AsTask());
        Assert.Equal(LeaseLostReason.ServerRestarted, error.Reason);

        // The client goes on working against the new server.
        await using var next = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));
        Assert.NotEqual(lease.Id, next.Id);
    }
}
