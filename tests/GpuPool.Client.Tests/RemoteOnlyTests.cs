using System.Text.Json;
using GpuPool.Remote;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GpuPool.Client.Tests;

public sealed class RemoteOnlyTests
{
    [Fact]
    public async Task AddGpuPool_UseServer_ResolvesTheRemotePoolWithoutLoadingAnEngine()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddGpuPool().UseServer(new Uri("http://pool.invalid:7070"), "key");
        using var host = builder.Build();

        await host.StartAsync();
        await using var pool = (IAsyncDisposable)host.Services.GetRequiredService<IGpuPool>();
        await host.StopAsync();

        Assert.IsType<RemoteGpuPool>(pool);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "GpuPool.Runtime");
    }

    [Fact]
    public async Task HostStart_NoServerAndNoEngine_FailsNamingBothRemedies()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddGpuPool();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("GpuPool:Server is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("GpuPool.Sdk", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGpuPool_ServerFromConfiguration_BindsIt()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["GpuPool:Server"] = "unix:/run/gpupool.sock", ["GpuPool:ApiKey"] = "k" })
            .Build());
        services.AddGpuPool();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var options = provider.GetRequiredService<IOptions<GpuPoolOptions>>().Value;

        Assert.Equal("unix:/run/gpupool.sock", options.Server);
        Assert.Equal("k", options.ApiKey);
    }

    [Theory]
    [InlineData("GpuPool.Runtime")]
    [InlineData("Microsoft.Data.Sqlite.Core")]
    [InlineData("SQLitePCLRaw.core")]
    [InlineData("Microsoft.ML.OnnxRuntime.Managed")]
    [InlineData("TorchSharp")]
    public void DependencyClosure_OfTheClientPackage_HasNoEngineOrNativeLibrary(string library)
    {
        // The test project references the client alone, so its deps.json is a remote-only application's closure.
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "GpuPool.Client.Tests.deps.json")));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        Assert.Contains("GpuPool.Client", libraries);
        Assert.DoesNotContain(library, libraries);
    }
}
