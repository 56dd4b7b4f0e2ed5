using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using V1 = GpuPool.Protocol.V1;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

public sealed class RemoteLeaseLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LeaseAsync_RenewRelease_ServerSeesEachStep()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();

        var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 250) with { TimeToLive = TimeSpan.FromMinutes(2) });

        Assert.StartsWith("ls_", lease.Id, StringComparison.Ordinal);
        Assert.Equal(ByteSize.MiB(128), lease.MemoryBytes);
        Assert.Equal(250, lease.ComputeMilli);
        Assert.Equal(DeviceKind.Cpu, lease.Device.Kind);
        Assert.Equal("test-node", lease.Device.Node);
        Assert.True(lease.FencingToken > 0);
        var listed = await raw.Leases.ListAsync(new V1.ListLeasesRequest(), raw.Headers);
        var onServer = Assert.Single(listed.Leases);
        Assert.Equal(lease.Id, onServer.Id);
        Assert.Equal("alpha", onServer.Tenant);
        Assert.Equal(lease.FencingToken, onServer.FencingToken);

        await lease.RenewAsync(TimeSpan.FromMinutes(10));
        var renewed = await raw.Leases.GetAsync(new V1.GetLeaseRequest { LeaseId = lease.Id }, raw.Headers);
        Assert.Equal(600_000, renewed.TimeToLiveMs);
        Assert.True(lease.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(9));

        await lease.ReleaseAsync();
        await lease.DisposeAsync();

        Assert.Empty((await raw.Leases.ListAsync(new V1.ListLeasesRequest(), raw.Headers)).Leases);
        Assert.False(lease.LeaseLost.IsCancellationRequested);
        var error = await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync().AsTask());
        Assert.Equal(LeaseLostReason.Released, error.Reason);
        var inventory = await pool.GetInventoryAsync();
        Assert.Equal(0, Assert.Single(inventory.Devices).ActiveLeases);
    }

    [Fact]
    public async Task TryLease_DeviceFull_ReturnsNullThenLeasesAfterRelease()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();

        var whole = pool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 1000));
        Assert.NotNull(whole);
        Assert.Null(pool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 100)));

        await whole.DisposeAsync();
        await using var next = pool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 100));
        Assert.NotNull(next);
    }

    [Fact]
    public async Task LeaseAsync_WaitsForCapacity_GrantedWhenAnotherIsReleased()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        var first = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 1000));

        var waiting = pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500)).AsTask();
        await Signals.Until(() => server.Services.GetRequiredService<Runtime.Leasing.LeaseTable>().WaitingCount == 1);
        Assert.False(waiting.IsCompleted);
        await first.DisposeAsync();

        await using var second = await waiting.WaitAsync(Signals.Ceiling);
        Assert.Equal(500, second.ComputeMilli);
    }

    [Fact]
    public async Task LeaseAsync_SameClientRequestId_ReturnsTheSameLease()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        var request = SliceRequest.ForShare(ByteSize.MiB(64), 100) with { ClientRequestId = "retry-1" };

        await using var first = await pool.LeaseAsync(request);
        var second = await pool.LeaseAsync(request);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.FencingToken, second.FencingToken);
    }
}
