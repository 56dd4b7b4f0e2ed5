using System.Net;
using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using V1 = GpuPool.Protocol.V1;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

public sealed class AdminAndHostingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Admin_ListsAllTenants_DrainsDevice()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var admin = Clients.RawClient(server.Address, Keys.Admin);
        await using var alphaClient = Clients.Sdk(server.Address, Keys.Alpha);
        await using var betaClient = Clients.Sdk(server.Address, Keys.Beta);
        await using var a = await alphaClient.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));
        await using var b = await betaClient.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));

        var all = await admin.Admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), admin.Headers);
        var betaOnly = await admin.Admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest { Tenant = "beta" }, admin.Headers);
        Assert.Equal(["alpha", "beta"], all.Leases.Select(l => l.Tenant).Order());
        Assert.Equal(b.Id, Assert.Single(betaOnly.Leases).Id);

        var device = Assert.Single((await admin.Admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), admin.Headers)).Devices).Device;
        await admin.Admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = device.Node, DeviceId = device.Id, Draining = true }, admin.Headers);
        var alphaPool = alphaClient.GetRequiredService<IGpuPool>();
        Assert.Null(alphaPool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 100)));
        Assert.True(Assert.Single((await alphaPool.GetInventoryAsync()).Devices).Draining);
        Assert.Equal(LeaseLostReason.None, a.LostReason);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => admin.Admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = device.Node, DeviceId = "gpu9", Draining = true }, admin.Headers).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Configuration_GpuPoolServerSet_QuickStartCodeRunsRemote()
    {
        await using var server = await ServerHost.StartAsync(output);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GpuPool:Server"] = server.Address.ToString(),
            ["GpuPool:ApiKey"] = Keys.Alpha,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddGpuPool();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var pool = provider.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));

        Assert.IsType<Remote.RemoteGpuPool>(pool);
        Assert.Equal(lease.Id, Assert.Single(server.Services.GetRequiredService<Runtime.Leasing.LeaseTable>().List("alpha")).Id);
    }

    [Fact]
    public async Task HealthEndpoints_LiveAndReady_Answer200()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var http = new HttpClient();

        var live = await http.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}{GpuPoolServerApp.LivePath}"));
        var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}{GpuPoolServerApp.ReadyPath}"));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnixSocket_ClientLeasesThroughIt()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gpupool-{Guid.NewGuid():N}.sock");
        await using var server = await ServerHost.StartAsync(output, settings: new Dictionary<string, string?> { ["GpuPoolServer:UnixSocketPath"] = socket });
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServerUnixSocket(socket, Keys.Beta);
        await using var provider = services.BuildServiceProvider();

        await using var lease = await provider.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));

        Assert.Equal(lease.Id, Assert.Single(server.Services.GetRequiredService<Runtime.Leasing.LeaseTable>().List("beta")).Id);
    }

    [Fact]
    public async Task Startup_BadTenantConfiguration_FailsNamingEveryProblem()
    {
        var settings = new Dictionary<string, string?>
        {
            ["GpuPoolServer:Tenants:broken:ApiKeySha256:0"] = "abc",
            ["GpuPoolServer:Tenants:nokey:Admin"] = "true",
        };

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => ServerHost.StartAsync(output, settings: settings));

        Assert.Contains("broken:ApiKeySha256:0 is not a SHA-256 hash", error.Message, StringComparison.Ordinal);
        Assert.Contains("nokey has no API key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeyFromEnvironmentVariable_Authenticates()
    {
        var variable = "GPUPOOL_TEST_KEY_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "key-from-env");
        try
        {
            await using var server = await ServerHost.StartAsync(output, settings: new Dictionary<string, string?> { ["GpuPoolServer:Tenants:envtenant:ApiKeyEnvironmentVariable"] = variable });
            await using var client = Clients.Sdk(server.Address, "key-from-env");

            await using var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));

            Assert.Single(server.Services.GetRequiredService<Runtime.Leasing.LeaseTable>().List("envtenant"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
