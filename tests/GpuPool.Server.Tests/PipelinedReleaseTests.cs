using GpuPool.Runtime.Leasing;
using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Server.Tests;

/// <summary>
/// Lease disposal does not wait for the server's answer; these check the guarantees that remain: the pool's
/// own later requests see the slice free, and the release reaches the server before the pool goes away.
/// </summary>
public sealed class PipelinedReleaseTests
{
    private static readonly SliceRequest WholeDevice = SliceRequest.ForShare(ByteSize.MiB(64), 1000);

    [Fact]
    public async Task DisposeAsync_WholeDevice_NextAcquireOnTheStreamFindsItFree()
    {
        await using var server = await ServerHost.StartAsync();
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        var atOnce = WholeDevice with { WaitTimeout = TimeSpan.Zero };

        // A zero wait fails at once when the device is still held: each acquire must come after the
        // release before it, many times in a row.
        for (var i = 0; i < 200; i++)
        {
            var lease = await pool.LeaseAsync(atOnce);
            await lease.DisposeAsync();
        }

        // The last release may still be on its way (the server's table is not ordered after it); the pool's inventory is.
        Assert.Equal(0, Assert.Single((await pool.GetInventoryAsync()).Devices).ActiveLeases);
    }

    [Fact]
    public async Task DisposeAsync_WholeDevice_UnaryCallsOfThePoolSeeItFree()
    {
        await using var server = await ServerHost.StartAsync();
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();

        for (var i = 0; i < 1000; i++)
        {
            var lease = await pool.LeaseAsync(WholeDevice);
            await lease.DisposeAsync();
            Assert.Equal(0, Assert.Single((await pool.GetInventoryAsync()).Devices).ActiveLeases);

            var tried = pool.TryLease(WholeDevice);
            Assert.NotNull(tried);
            await tried.DisposeAsync();
        }
    }

    [Fact]
    public async Task DisposeAsync_PoolDisposedRightAfter_ServerHasReleasedTheLease()
    {
        await using var server = await ServerHost.StartAsync();
        var table = server.Services.GetRequiredService<LeaseTable>();
        var client = Clients.Sdk(server.Address, Keys.Alpha);
        var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(WholeDevice with { TimeToLive = TimeSpan.FromMinutes(10) });
        Assert.True(table.TryGet(lease.Id, out _));

        await lease.DisposeAsync();
        await client.DisposeAsync();

        // Released, not left to expire: its time-to-live is ten minutes.
        Assert.False(table.TryGet(lease.Id, out _));
        Assert.Equal(0, table.GetUsage("alpha").Leases);
    }

    [Fact]
    public async Task ReleaseAsync_ReturnsOnceTheServerHasFreedTheSlice()
    {
        await using var server = await ServerHost.StartAsync();
        var table = server.Services.GetRequiredService<LeaseTable>();
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(WholeDevice);

        await lease.ReleaseAsync();

        // Read from the server's table directly: no request of the pool orders anything here.
        Assert.False(table.TryGet(lease.Id, out _));
        Assert.Equal(LeaseLostReason.None, lease.LostReason);
    }
}
