using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Runtime.Tests.Isolation;

public sealed class EmbeddedPoolMultiplexingTests
{
    private static ServiceProvider Provider()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    [Fact]
    public void AddGpuPoolRuntime_DefaultScheduler_IsFair()
    {
        using var provider = Provider();

        // The CUDA integration wraps the registered scheduler to add per-lease streams.
        var scheduler = provider.GetRequiredService<IDeviceScheduler>();
        Assert.IsType<FairDeviceScheduler>(scheduler is Cuda.CudaStreamScheduler wrapped ? wrapped.Inner : scheduler);
        Assert.Same(provider.GetRequiredService<IDeviceScheduler>(), provider.GetRequiredService<ModelHost>().Scheduler);
    }

    [Fact]
    public async Task LoadModelAsync_SharedAndIsolatedLeases_SameResultsAndSharedStorage()
    {
        await using var provider = Provider();
        var pool = provider.GetRequiredService<IGpuPool>();
        var host = provider.GetRequiredService<ModelHost>();
        await using var first = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var second = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var isolated = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250) with { Isolation = LeaseIsolation.Process });
        var bytes = TestModels.Linear(8, 4);
        await using var a = await first.LoadModelAsync(ModelSource.FromBytes(bytes, "linear"));
        await using var b = await second.LoadModelAsync(ModelSource.FromBytes(bytes, "linear"));
        await using var c = await isolated.LoadModelAsync(ModelSource.FromBytes(bytes, "linear"));
        var input = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(9, 2 * 8), 2, 8) };

        var results = await Task.WhenAll(a.RunAsync(input).AsTask(), b.RunAsync(input).AsTask(), c.RunAsync(input).AsTask());

        Assert.Same(host.Find(first.Id, a.Id)!.Instance, host.Find(second.Id, b.Id)!.Instance);
        Assert.NotSame(host.Find(first.Id, a.Id)!.Instance, host.Find(isolated.Id, c.Id)!.Instance);
        Assert.Equal(results[0]["y"].Data.ToArray(), results[1]["y"].Data.ToArray());
        Assert.Equal(results[0]["y"].Data.ToArray(), results[2]["y"].Data.ToArray());
        Assert.Equal(a.MemoryBytes, first.MemoryUsedBytes);
        Assert.Equal(b.MemoryBytes, second.MemoryUsedBytes);
    }
}
