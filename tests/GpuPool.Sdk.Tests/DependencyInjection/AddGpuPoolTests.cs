using GpuPool.Runtime;
using GpuPool.Runtime.Embedded;
using GpuPool.Runtime.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Snapshooter.Xunit;

namespace GpuPool.Sdk.Tests.DependencyInjection;

public sealed class AddGpuPoolTests
{
    private static ServiceProvider Build(Action<IServiceCollection> configure, IDictionary<string, string?>? settings = null)
    {
        var services = new ServiceCollection().AddLogging();
        if (settings is not null)
        {
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        }

        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    [Fact]
    public async Task AddGpuPool_NothingConfigured_UsesEmbeddedPoolWithTheCpu()
    {
        await using var provider = Build(s => s.AddGpuPool());

        var pool = provider.GetRequiredService<IGpuPool>();
        var inventory = await pool.GetInventoryAsync();

        Assert.IsType<EmbeddedGpuPool>(pool);
        Assert.Contains(inventory.Devices, d => d.Device.Kind == DeviceKind.Cpu);
    }

    [Fact]
    public void AddGpuPool_CalledTwice_RegistersOnePoolAndOneBackend()
    {
        using var provider = Build(s =>
        {
            s.AddGpuPool().AddOnnxRuntime();
            s.AddGpuPool().AddOnnxRuntime();
        });

        Assert.Single(provider.GetServices<IGpuPool>());
        Assert.Single(provider.GetServices<IModelBackend>());
        Assert.Same(provider.GetRequiredService<IGpuPool>(), provider.GetRequiredService<IGpuPool>());
    }

    [Fact]
    public async Task AddGpuPool_SimulatedDevicesFromConfiguration_AppearInInventory()
    {
        await using var provider = Build(s => s.AddGpuPool(), new Dictionary<string, string?>
        {
            ["GpuPool:Runtime:NodeName"] = "planning",
            ["GpuPool:Runtime:Cpu:Enabled"] = "false",
            ["GpuPool:Runtime:SimulatedDevices:0:Model"] = "A100",
            ["GpuPool:Runtime:SimulatedDevices:0:Count"] = "4",
            ["GpuPool:Runtime:SimulatedDevices:0:MemoryGiB"] = "80",
        });
        var pool = provider.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.GiB(20), 250));

        var inventory = await pool.GetInventoryAsync();

        inventory.Devices.Select(d => new { d.Device.Id, d.Device.Model, d.Device.Node, d.Device.TotalMemoryBytes, d.AllocatedMemoryBytes, d.AllocatedMilli, d.ActiveLeases })
            .MatchSnapshot();
    }

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "GpuPool:Runtime:PlacementPolicy", "Nearest", "PlacementPolicy 'Nearest' is not a known policy" },
        { "GpuPool:Runtime:DefaultTimeToLive", "2.00:00:00", "DefaultTimeToLive (2.00:00:00) exceeds MaxTimeToLive (1.00:00:00)" },
        { "GpuPool:Runtime:Cpu:MemoryFraction", "1.5", "MemoryFraction" },
        { "GpuPool:Runtime:MaxWaiters", "0", "MaxWaiters" },
        { "GpuPool:Server", "ftp://pool:21", "GpuPool:Server 'ftp://pool:21' is not an http://, https:// or unix: address" },
        { "GpuPool:ApiKeyFile", "/nonexistent/key", "GpuPool:ApiKeyFile '/nonexistent/key' does not exist" },
        { "GpuPool:KeepAliveInterval", "00:00:00", "KeepAliveInterval" },
        { "GpuPool:Runtime:Nvidia:TelemetryInterval", "00:00:00", "GpuPool:Runtime:Nvidia:TelemetryInterval = '00:00:00'" },
        { "GpuPool:Runtime:Persistence:MaxJournalBytes", "-1", "GpuPool:Runtime:Persistence:MaxJournalBytes = '-1'" },
        { "GpuPool:Runtime:Scheduler:GpuConcurrentRuns", "0", "GpuPool:Runtime:Scheduler:GpuConcurrentRuns = '0'" },
        { "GpuPool:Runtime:Scheduler:BurstWindow", "00:05:00", "GpuPool:Runtime:Scheduler:BurstWindow = '00:05:00'" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task HostStart_InvalidSetting_FailsNamingTheValue(string key, string value, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddGpuPool();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_ValidConfiguration_Starts()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["GpuPool:Runtime:DefaultTimeToLive"] = "00:00:30" });
        builder.Services.AddGpuPool().AddOnnxRuntime();
        using var host = builder.Build();

        await host.StartAsync();

        Assert.Equal(TimeSpan.FromSeconds(30), host.Services.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.DefaultTimeToLive);
        await host.StopAsync();
    }

    [Fact]
    public void AddGpuPool_EngineSectionsFromConfiguration_BindLikeTheServer()
    {
        using var provider = Build(s => s.AddGpuPool(), new Dictionary<string, string?>
        {
            ["GpuPool:Runtime:Scheduler:GpuConcurrentRuns"] = "2",
            ["GpuPool:Runtime:Models:UnusedModelCacheBytes"] = "1048576",
            ["GpuPool:Runtime:Workers:ProcessIsolatedTenants:0"] = "untrusted",
        });

        Assert.Equal(2, provider.GetRequiredService<IOptions<GpuPool.Runtime.Scheduling.FairSchedulerOptions>>().Value.GpuConcurrentRuns);
        Assert.Equal(1048576, provider.GetRequiredService<IOptions<ModelHostOptions>>().Value.UnusedModelCacheBytes);
        Assert.Equal(["untrusted"], provider.GetRequiredService<IOptions<GpuPool.Runtime.Isolation.WorkerOptions>>().Value.ProcessIsolatedTenants);
    }

    [Fact]
    public async Task HostStart_ServerConfigured_ProbesNoLocalDevice()
    {
        var probe = new RecordingDeviceProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["GpuPool:Server"] = "http://pool.invalid:7070" });
        builder.Services.AddSingleton<GpuPool.Runtime.Devices.IDeviceProvider>(probe);
        builder.Services.AddGpuPool().AddOnnxRuntime();
        using var host = builder.Build();

        await host.StartAsync();
        var pool = host.Services.GetRequiredService<IGpuPool>();
        await host.StopAsync();

        Assert.IsNotType<EmbeddedGpuPool>(pool);
        Assert.Equal(0, probe.Discoveries);
    }

    [Fact]
    public async Task CreatePool_NoServer_ProbesDevicesOnce()
    {
        var probe = new RecordingDeviceProvider();
        await using var provider = Build(s =>
        {
            s.AddSingleton<GpuPool.Runtime.Devices.IDeviceProvider>(probe);
            s.AddGpuPool();
        });

        Assert.Equal(0, probe.Discoveries);
        _ = provider.GetRequiredService<IGpuPool>();

        Assert.Equal(1, probe.Discoveries);
    }

    [Fact]
    public void UseEmbedded_OverridesAConfiguredServer()
    {
        using var provider = Build(s => s.AddGpuPool().UseEmbedded(), new Dictionary<string, string?> { ["GpuPool:Server"] = "http://pool:7070" });

        Assert.IsType<EmbeddedGpuPool>(provider.GetRequiredService<IGpuPool>());
    }
}
