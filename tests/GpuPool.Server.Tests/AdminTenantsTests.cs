using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests;

public sealed class AdminTenantsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ListTenants_LeasesHeld_EveryTenantWithQuotasAndUsage()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Limited);
        await using var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        using var admin = Clients.RawClient(server.Address, Keys.Admin);

        var answer = await admin.Admin.ListTenantsAsync(new V1.ListTenantsRequest(), admin.Headers);

        Assert.Equal(["alpha", "beta", "limited", "ops"], answer.Tenants.Select(t => t.Name));
        var limited = answer.Tenants.Single(t => t.Name == "limited");
        Assert.Equal((1, ByteSize.MiB(64), 250L), (limited.Leases, limited.MemoryBytes, limited.ComputeMilli));
        Assert.Equal((1, ByteSize.MiB(256)), (limited.MaxLeases, limited.MaxMemoryBytes));
        Assert.False(limited.HasMaxComputeMilli);
        Assert.True(answer.Tenants.Single(t => t.Name == "ops").Admin);
        Assert.Equal(0, answer.WaitingAcquires);
    }

    [Fact]
    public async Task ListTenants_TenantKey_PermissionDenied()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var alpha = Clients.RawClient(server.Address, Keys.Alpha);

        var error = await Assert.ThrowsAsync<RpcException>(() => alpha.Admin.ListTenantsAsync(new V1.ListTenantsRequest(), alpha.Headers).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }
}
