using GpuPool.Server.Tests.Support;
using GpuPool.TorchSharp.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Server.Tests.Integration;

/// <summary>The plain server carries no libtorch: TorchScript runs in the add-on server (tests/GpuPool.Server.TorchScript.Tests).</summary>
public sealed class TorchScriptRefusedTests
{
    [Fact]
    public async Task LoadModelAsync_TorchScriptOnThePlainServer_RejectedNamingTheAddOn()
    {
        await using var server = await ServerHost.StartAsync();
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));

        var error = await Assert.ThrowsAsync<InvalidPoolRequestException>(async () => await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(8, 4))));

        Assert.Equal(0, lease.MemoryUsedBytes);
        Assert.Contains("GpuPool.Server.TorchScript", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "TorchSharp");
    }
}
