using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Tests.Persistence;

public sealed class PersistenceRegistrationTests : IDisposable
{
    private readonly JournalDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AddGpuPoolRuntime_PersistenceOff_RegistersNoJournalAndWritesNothing()
    {
        using var provider = Build(o => o.Persistence.DataDirectory = _dir.Path);

        Assert.Null(provider.GetService<ILeaseJournal>());
        Assert.NotNull(provider.GetRequiredService<LeaseTable>().TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void AddGpuPoolRuntime_PersistenceOn_LeasesSurviveANewContainer()
    {
        string id;
        using (var provider = Build(Enable))
        {
            Assert.IsType<SqliteLeaseJournal>(provider.GetRequiredService<ILeaseJournal>());
            id = provider.GetRequiredService<LeaseTable>().TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100), "t")!.Id;
        }

        using var restarted = Build(Enable);
        var table = restarted.GetRequiredService<LeaseTable>();
        Assert.True(table.TryGet(id, out _));
        Assert.True(File.Exists(_dir.DatabasePath));
    }

    [Fact]
    public void AddGpuPoolRuntime_EnabledWithoutDirectory_FailsValidationNamingTheSetting()
    {
        using var provider = Build(o => o.Persistence.Enabled = true);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value);
        Assert.Contains("Persistence:Enabled is set but DataDirectory is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGpuPool_PersistenceFromConfiguration_BindsTheSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GpuPool:Runtime:Persistence:Enabled"] = "true",
            ["GpuPool:Runtime:Persistence:DataDirectory"] = _dir.Path,
            ["GpuPool:Runtime:Persistence:FlushToDisk"] = "true",
            ["GpuPool:Runtime:Persistence:MaxJournalBytes"] = "1048576",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddGpuPool();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var persistence = provider.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.Persistence;
        Assert.True(persistence.Enabled);
        Assert.True(persistence.FlushToDisk);
        Assert.Equal(1048576, persistence.MaxJournalBytes);
        Assert.IsType<SqliteLeaseJournal>(provider.GetRequiredService<ILeaseJournal>());
    }

    private void Enable(GpuPoolRuntimeOptions options)
    {
        options.Persistence.Enabled = true;
        options.Persistence.DataDirectory = _dir.Path;
    }

    private static ServiceProvider Build(Action<GpuPoolRuntimeOptions> configure)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPoolRuntime();
        services.Configure<GpuPoolRuntimeOptions>(o =>
        {
            o.Cpu.Enabled = false;
            o.SimulatedDevices.Add(new SimulatedDeviceOptions { Model = "A100", Count = 2, MemoryGiB = 80 });
            configure(o);
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
