using GpuPool.Remote;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GpuPool.Client.Routing.Tests;

public sealed class PoolOptionsTests
{
    [Fact]
    public void Bind_ServersList_EveryAddressInOrderAfterServer()
    {
        var options = Options(new()
        {
            ["GpuPool:Server"] = "http://a:7070",
            ["GpuPool:Servers:0"] = "http://b:7070",
            ["GpuPool:Servers:1"] = "http://a:7070/",
            ["GpuPool:Servers:2"] = "http://c:7070",
        });

        Assert.True(options.IsRemote);
        Assert.Equal(["http://a:7070", "http://b:7070", "http://c:7070"], PoolAddresses.Of(options));
        Assert.True(PoolAddresses.IsPool(PoolAddresses.Of(options)));
    }

    [Theory]
    [InlineData("http://a:7070", false)]
    [InlineData("unix:/run/gpupool.sock", false)]
    [InlineData("dns:///pool.gpupool.svc:7070", true)]
    public void Validate_OneAddress_AcceptedAndAPoolOnlyForADnsName(string server, bool pool)
    {
        var options = Options(new() { ["GpuPool:Server"] = server });

        Assert.Equal(pool, PoolAddresses.IsPool(PoolAddresses.Of(options)));
    }

    [Theory]
    [InlineData("http://a:7070", "https://b:7070", "all be http://")]
    [InlineData("unix:/run/a.sock", "http://b:7070", "http:// or https:// addresses only")]
    [InlineData("http://a:7070", "ftp://b", "'ftp://b' is not an http:// or https:// address")]
    public void Validate_MixedPool_FailsNamingTheAddresses(string server, string other, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(new() { ["GpuPool:Server"] = server, ["GpuPool:Servers:0"] = other }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseServers_ThreeUris_ReplaceTheConfiguredServer()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["GpuPool:Server"] = "http://old:7070" }).Build());
        services.AddGpuPool().UseServers([new Uri("http://a:7070"), new Uri("http://b:7070"), new Uri("http://c:7070")], "key");
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

        var options = provider.GetRequiredService<IOptions<GpuPoolOptions>>().Value;

        Assert.Equal(["http://a:7070/", "http://b:7070/", "http://c:7070/"], PoolAddresses.Of(options));
        Assert.Equal("key", options.ApiKey);
    }

    private static GpuPoolOptions Options(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddGpuPool();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        return provider.GetRequiredService<IOptions<GpuPoolOptions>>().Value;
    }
}
