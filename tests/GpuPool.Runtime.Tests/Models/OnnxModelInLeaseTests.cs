using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Runtime.Tests.Models;

public sealed class OnnxModelInLeaseTests
{
    private static ServiceProvider Provider()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    [Fact]
    public async Task RunAsync_LinearModel_MatchesPlainArithmetic()
    {
        await using var provider = Provider();
        var pool = provider.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(8, 4), "linear"));
        var x = TestModels.Weights(42, 3 * 8);

        var outputs = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(x, 3, 8) });

        var y = outputs["y"].ToArray<float>();
        var expected = TestModels.LinearReference(x, 3, 8, 4);
        Assert.Equal([3L, 4L], outputs["y"].Shape);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], y[i], 5);
        }
    }
}
