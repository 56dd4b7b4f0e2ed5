using System.Text.Json;
using GpuPool.Cli.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Cli.Tests;

/// <summary>'gpupool models': the models loaded into live leases, through the admin ListModels call.</summary>
public sealed class ModelsCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Models_OneLoaded_ListedWithTenantLeaseAndMemory()
    {
        await using var server = await CliServer.StartAsync(output);
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServer(server.Address, Keys.Alpha);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var pool = provider.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)), new ModelOptions { Name = "linear" });

        var all = await InProcessCli.RunAsync(server.Address, Keys.Admin, "models", "--output", "json");
        var other = await InProcessCli.RunAsync(server.Address, Keys.Admin, "models", "--tenant", "ops", "--output", "json");

        Assert.Equal(ExitCodes.Success, all.ExitCode);
        using var json = JsonDocument.Parse(all.Stdout);
        var listed = Assert.Single(json.RootElement.GetProperty("models").EnumerateArray());
        Assert.Equal("linear", listed.GetProperty("name").GetString());
        Assert.Equal("alpha", listed.GetProperty("tenant").GetString());
        Assert.Equal(lease.Id, listed.GetProperty("leaseId").GetString());
        Assert.Equal(model.Id, listed.GetProperty("id").GetString());
        using var none = JsonDocument.Parse(other.Stdout);
        Assert.Equal(0, none.RootElement.GetProperty("models").GetArrayLength());
    }
}
