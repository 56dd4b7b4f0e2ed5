using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Persistence;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Runtime.Tests.Persistence;

[Collection(GpuPool.Runtime.Tests.Memory.ProcessMemoryTestGroup.Name)]
public sealed class DurableModelsTests : IDisposable
{
    private readonly JournalDirectory _dir = new();

    public DurableModelsTests() => GpuPool.Runtime.Tests.Memory.QuietProcess.Settle();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ReloadAll_AfterRestart_ModelIsLoadedEagerlyUnderTheSameIdAndRunsTheSame()
    {
        string leaseId;
        string modelId;
        long charged;
        using (var provider = Provider())
        {
            var lease = provider.GetRequiredService<LeaseTable>().TryGrant(SliceRequest.ForShare(ByteSize.MiB(256), 500), "tenant-a")!;
            (modelId, _) = provider.GetRequiredService<DurableModels>().Load(lease, TestModels.Linear(8, 4), new ModelOptions { Name = "linear" }, "linear.onnx");
            leaseId = lease.Id;
            charged = lease.MemoryUsedBytes;
        }

        using var restarted = Provider();
        var models = restarted.GetRequiredService<DurableModels>();
        Assert.Null(models.Find(leaseId, modelId)); // nothing runs until the reload

        var result = models.ReloadAll();

        Assert.Equal(1, result.Reloaded);
        Assert.Empty(result.Failed);
        var model = models.Find(leaseId, modelId)!;
        Assert.Equal("linear", model.Name);
        Assert.True(restarted.GetRequiredService<LeaseTable>().TryGet(leaseId, out var restoredLease));
        // Charged again as the reload measured it (on the CPU device a few pages either way of the first load).
        Assert.Equal(model.MemoryBytes, restoredLease.MemoryUsedBytes);
        Assert.InRange(restoredLease.MemoryUsedBytes, TestModels.Linear(8, 4).Length, charged + ByteSize.MiB(1));
        var x = TestModels.Weights(7, 2 * 8);
        var outputs = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(x, 2, 8) });
        var expected = TestModels.LinearReference(x, 2, 8, 4);
        var y = outputs["y"].ToArray<float>();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], y[i], 5);
        }
    }

    [Fact]
    public void ReloadAll_StoredBytesDamaged_ForgetsTheModelAndKeepsTheLease()
    {
        string leaseId;
        string modelId;
        using (var provider = Provider())
        {
            var lease = provider.GetRequiredService<LeaseTable>().TryGrant(SliceRequest.ForShare(ByteSize.MiB(256), 500))!;
            (modelId, _) = provider.GetRequiredService<DurableModels>().Load(lease, TestModels.Linear(4, 2), new ModelOptions(), "m");
            leaseId = lease.Id;
        }

        var blob = Directory.EnumerateFiles(Path.Combine(_dir.Path, "models")).Single();
        var bytes = File.ReadAllBytes(blob);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(blob, bytes);

        using (var restarted = Provider())
        {
            var result = restarted.GetRequiredService<DurableModels>().ReloadAll();
            Assert.Equal([modelId], result.Failed);
            Assert.True(restarted.GetRequiredService<LeaseTable>().TryGet(leaseId, out var lease));
            Assert.Equal(0, lease.MemoryUsedBytes);
        }

        using var third = Provider();
        Assert.Empty(third.GetRequiredService<SqliteLeaseJournal>().Models);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "models")));
    }

    [Fact]
    public void Load_LeaseReleased_ModelRecordAndBytesAreForgotten()
    {
        using (var provider = Provider())
        {
            var table = provider.GetRequiredService<LeaseTable>();
            var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(256), 500))!;
            var models = provider.GetRequiredService<DurableModels>();
            var (modelId, _) = models.Load(lease, TestModels.Linear(4, 2), new ModelOptions(), "m");
            table.Release(lease);
            Assert.Null(models.Find(lease.Id, modelId));
        }

        using var restarted = Provider();
        Assert.Empty(restarted.GetRequiredService<SqliteLeaseJournal>().Models);
        Assert.Equal(0, restarted.GetRequiredService<DurableModels>().ReloadAll().Reloaded);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "models")));
    }

    [Fact]
    public void Unload_ThenRestart_ModelIsNotReloaded()
    {
        using (var provider = Provider())
        {
            var lease = provider.GetRequiredService<LeaseTable>().TryGrant(SliceRequest.ForShare(ByteSize.MiB(256), 500))!;
            var models = provider.GetRequiredService<DurableModels>();
            var (first, _) = models.Load(lease, TestModels.Linear(4, 2), new ModelOptions(), "a");
            models.Load(lease, TestModels.Linear(4, 3), new ModelOptions(), "b");
            Assert.True(models.Unload(lease.Id, first));
            Assert.False(models.Unload(lease.Id, first));
        }

        using var restarted = Provider();
        var result = restarted.GetRequiredService<DurableModels>().ReloadAll();
        Assert.Equal(1, result.Reloaded);
        Assert.Equal("b", restarted.GetRequiredService<SqliteLeaseJournal>().Models.Single().Name);
    }

    private ServiceProvider Provider()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o =>
        {
            o.NodeName = "node-a";
            o.Cpu.HostMemoryBytes = ByteSize.GiB(8);
            o.Persistence.Enabled = true;
            o.Persistence.DataDirectory = _dir.Path;
        });
        services.AddSingleton(sp => (SqliteLeaseJournal)sp.GetRequiredService<ILeaseJournal>());
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        _ = provider.GetRequiredService<ModelHost>();
        return provider;
    }
}
