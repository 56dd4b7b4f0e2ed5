using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Runtime.Tests.Support;

/// <summary>An embedded pool with the ONNX backend on the CPU device, built through DI as applications do.</summary>
internal sealed class EmbeddedPool : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public EmbeddedPool(Action<GpuPoolRuntimeOptions>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o =>
        {
            o.Cpu.HostMemoryBytes = ByteSize.GiB(8);
            configure?.Invoke(o);
        });
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        Pool = _provider.GetRequiredService<IGpuPool>();
    }

    public IGpuPool Pool { get; }

    public IServiceProvider Services => _provider;

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
