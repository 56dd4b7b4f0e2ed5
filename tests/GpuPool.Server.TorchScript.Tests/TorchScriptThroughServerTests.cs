using GpuPool.Server.Tests.Integration;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using GpuPool.TorchSharp.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.TorchScript.Tests;

/// <summary>TorchScript archives uploaded to the TorchScript add-on server and run there by libtorch (issue #6).</summary>
public sealed class TorchScriptThroughServerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_TorchScriptUploadedToTheServer_MatchesTheCSharpReference()
    {
        await using var server = await TorchScriptServer.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(8, 4), "linear.pt"));
        var input = TestModels.Weights(11, 5 * 8);

        var y = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(input, 5, 8) });

        Assert.Equal(ModelFormat.TorchScript, model.Format);
        Assert.Equal("x", Assert.Single(model.Inputs).Name);
        Assert.Equal([5L, 4L], y["y"].Shape);
        Approx.Equal(TestModels.LinearReference(input, 5, 8, 4), y["y"].ToArray<float>());
        Assert.True(lease.MemoryUsedBytes > 0);
    }

    [Fact]
    public async Task RunAsync_TwoNamedOutputs_MappedByNameNotPosition()
    {
        await using var server = await TorchScriptServer.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        float[] scale = [0.5f, 2f, -1f];
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.SumAndProduct(3, scale)));
        float[] a = [1, 2, 3];
        float[] b = [4, 5, 6];

        var outputs = await model.RunAsync(new Dictionary<string, TensorValue> { ["a"] = TensorValue.FromArray(a, 3), ["b"] = TensorValue.FromArray(b, 3) });

        Approx.Equal([1 + (0.5f * 4), 2 + (2f * 5), 3 + (-1f * 6)], outputs["sum"].ToArray<float>());
        Approx.Equal([4, 10, 18], outputs["product"].ToArray<float>());
    }

    [Fact]
    public async Task LoadModelAsync_TorchScriptTurnedOff_RejectedAsInvalid()
    {
        await using var server = await TorchScriptServer.StartAsync(output, new Dictionary<string, string?> { ["GpuPoolServer:TorchScript"] = "false" });
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));

        var error = await Assert.ThrowsAsync<InvalidPoolRequestException>(async () => await lease.LoadModelAsync(ModelSource.FromBytes(TorchScriptTestModels.Linear(8, 4))));
        Assert.Equal(0, lease.MemoryUsedBytes);
        Assert.Contains("GpuPoolServer:TorchScript", error.Message, StringComparison.Ordinal);
    }
}
