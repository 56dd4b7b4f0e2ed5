using GpuPool.Runtime.Leasing;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

public sealed class KeepAliveTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task NoKeepAlive_LeaseReclaimedAtItsTtl_ClientToldAtOnce()
    {
        var serverTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ServerHost.StartAsync(output, serverTime);
        var clientTime = new FakeTimeProvider(DateTimeOffset.UtcNow); // never advanced: no pings leave the client
        await using var client = Clients.Sdk(server.Address, Keys.Alpha, clientTime);
        var pool = client.GetRequiredService<IGpuPool>();
        var table = server.Services.GetRequiredService<LeaseTable>();
        await WaitForSession(pool);
        var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 250) with { TimeToLive = Ttl });
        var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)));

        serverTime.Advance(Ttl - TimeSpan.FromMilliseconds(1));
        Assert.True(table.TryGet(lease.Id, out _));
        Assert.False(lease.LeaseLost.IsCancellationRequested);

        serverTime.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(table.TryGet(lease.Id, out _));
        await Signals.WhenCancelled(lease.LeaseLost);

        Assert.Equal(LeaseLostReason.Expired, lease.LostReason);
        Assert.Equal(0, table.GetUsage("alpha").Leases);
        var run = await Assert.ThrowsAsync<LeaseLostException>(() => model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[4], 1, 4) }).AsTask());
        Assert.Equal(LeaseLostReason.Expired, run.Reason);
        await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync().AsTask());
        await lease.DisposeAsync();
    }

    [Fact]
    public async Task KeepAlivePings_RenewEveryLeaseOfTheClient()
    {
        var serverTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ServerHost.StartAsync(output, serverTime);
        var clientTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha, clientTime, o => o.KeepAliveInterval = TimeSpan.FromSeconds(4));
        var pool = client.GetRequiredService<IGpuPool>();
        var table = server.Services.GetRequiredService<LeaseTable>();
        await WaitForSession(pool);
        await using var a = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100) with { TimeToLive = Ttl });
        await using var b = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100) with { TimeToLive = Ttl });
        Assert.True(table.TryGet(a.Id, out var entryA));
        Assert.True(table.TryGet(b.Id, out var entryB));
        var firstExpiry = entryA.ExpiresAt;

        for (var i = 0; i < 5; i++)
        {
            serverTime.Advance(TimeSpan.FromSeconds(4));
            var due = serverTime.GetUtcNow() + Ttl;
            clientTime.Advance(TimeSpan.FromSeconds(4));
            await Signals.Until(() => entryA.ExpiresAt == due && entryB.ExpiresAt == due);
        }

        Assert.True(entryA.IsActive);
        Assert.True(entryB.IsActive);
        Assert.Equal(firstExpiry + TimeSpan.FromSeconds(20), entryA.ExpiresAt);
        Assert.False(a.LeaseLost.IsCancellationRequested);
    }

    [Fact]
    public async Task RevokedByAdmin_ClientToldAtOnce()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        using var admin = Clients.RawClient(server.Address, Keys.Admin);
        var pool = client.GetRequiredService<IGpuPool>();
        await WaitForSession(pool);
        var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));

        var revoked = await admin.Admin.RevokeLeaseAsync(new Protocol.V1.RevokeLeaseRequest { LeaseId = lease.Id }, admin.Headers);

        Assert.True(revoked.Revoked);
        await Signals.WhenCancelled(lease.LeaseLost);
        Assert.Equal(LeaseLostReason.Revoked, lease.LostReason);
        var error = await Assert.ThrowsAsync<LeaseLostException>(() => lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(2, 2))).AsTask());
        Assert.Equal(LeaseLostReason.Revoked, error.Reason);
    }

    internal static Task WaitForSession(IGpuPool pool) => Signals.Until(() => ((Remote.RemoteGpuPool)pool).Session.IsConnected);
}
