using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

/// <summary>The inventory a remote client reads carries the memory the leases' models are charged and occupy.</summary>
public sealed class InventoryMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GetInventoryAsync_ModelLoaded_ShowsItsChargeNextToTheQuotaAndNothingOnceUnloaded()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 250));
        var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.MatMulChain(64, 2)));

        var status = Assert.Single((await pool.GetInventoryAsync()).Devices);

        Assert.Equal(ByteSize.MiB(128), status.AllocatedMemoryBytes);
        Assert.True(model.MemoryBytes > 0);
        Assert.Equal(model.MemoryBytes, status.ChargedMemoryBytes);
        Assert.Equal(model.MemoryBytes, status.ModelMemoryBytes);

        await model.DisposeAsync();
        status = Assert.Single((await pool.GetInventoryAsync()).Devices);
        Assert.Equal(0, status.ChargedMemoryBytes);
        Assert.Equal(0, status.ModelMemoryBytes);
    }
}
