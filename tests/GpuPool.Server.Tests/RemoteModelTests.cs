using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

public sealed class RemoteModelTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => ["linear", "matmul"];

    [Theory]
    [MemberData(nameof(Models))]
    public async Task RunAsync_SameInputs_OutputsEqualTheEmbeddedRunExactly(string which)
    {
        var (bytes, input, shape) = which == "linear"
            ? (TestModels.Linear(16, 8), TestModels.Weights(7, 5 * 16), new long[] { 5, 16 })
            : (TestModels.MatMulChain(64, 3), TestModels.Weights(9, 4 * 64), new long[] { 4, 64 });
        var inputs = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(input, shape) };

        var embedded = await RunEmbeddedAsync(bytes, inputs);
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, which));
        var remote = await model.RunAsync(inputs);

        Assert.Equal(embedded.Keys.Order(), remote.Keys.Order());
        foreach (var (name, expected) in embedded)
        {
            Assert.Equal(expected.ElementType, remote[name].ElementType);
            Assert.Equal(expected.Shape, remote[name].Shape);
            Assert.Equal(expected.Data.ToArray(), remote[name].Data.ToArray());
        }

        Assert.Equal(which, model.Name);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), model.ContentHash);
        Assert.Equal("x", Assert.Single(model.Inputs).Name);
        Assert.True(lease.MemoryUsedBytes > 0);
    }

    [Fact]
    public async Task LoadModelAsync_SameContentTwice_SecondLoadSkipsTheUpload()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        var bytes = TestModels.Linear(4, 2);
        var store = server.Services.GetRequiredService<Server.Models.ModelStore>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));

        await using var first = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, "a"));
        var stored = store.Bytes;
        await using var second = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, "b"));

        Assert.Equal(bytes.Length, stored);
        Assert.Equal(stored, store.Bytes);
        Assert.NotEqual(first.Id, second.Id);
        var x = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4);
        var y = await second.RunAsync(new Dictionary<string, TensorValue> { ["x"] = x });
        Assert.Equal(TestModels.LinearReference([1, 2, 3, 4], 1, 4, 2), y["y"].ToArray<float>());
    }

    [Fact]
    public async Task UnloadAsync_ModelGone_RunFailsAndMemoryReturns()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)));
        var table = server.Services.GetRequiredService<Runtime.Leasing.LeaseTable>();
        Assert.True(table.TryGet(lease.Id, out var entry));
        Assert.True(entry.MemoryUsedBytes > 0);

        await model.UnloadAsync();
        await model.UnloadAsync();

        Assert.Equal(0, entry.MemoryUsedBytes);
        Assert.Equal(0, lease.MemoryUsedBytes);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => model.RunAsync(new Dictionary<string, TensorValue>()).AsTask());
    }

    private static async Task<IReadOnlyDictionary<string, TensorValue>> RunEmbeddedAsync(byte[] bytes, Dictionary<string, TensorValue> inputs)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        await using var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(bytes));
        return await model.RunAsync(inputs);
    }
}
