using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Models;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using GpuPool.TorchSharp.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.TorchScript.Tests;

/// <summary>TorchScript models of process-isolated leases, run by the add-on's worker (GpuPool.Server.TorchScript.Worker).</summary>
public sealed class TorchScriptProcessIsolationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_TorchScriptInAProcessIsolatedLease_SameOutputAsInProcess()
    {
        await using var server = await TorchScriptServer.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        var archive = TorchScriptTestModels.Linear(8, 4);
        var input = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(3, 6 * 8), 6, 8) };
        await using var shared = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 250));
        await using var isolated = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 250) with { Isolation = LeaseIsolation.Process });
        await using var inProcess = await shared.LoadModelAsync(ModelSource.FromBytes(archive, "linear.pt"));
        await using var inWorker = await isolated.LoadModelAsync(ModelSource.FromBytes(archive, "linear.pt"));

        var expected = await inProcess.RunAsync(input);
        var actual = await inWorker.RunAsync(input);

        Assert.Equal(ModelFormat.TorchScript, inWorker.Format);
        Assert.Equal(expected["y"].Shape, actual["y"].Shape);
        Assert.Equal(expected["y"].ToArray<float>(), actual["y"].ToArray<float>());
        var host = server.Services.GetRequiredService<ModelHost>();
        Assert.Equal("IsolatedModelInstance", host.Find(isolated.Id, inWorker.Id)?.Instance.GetType().Name);
        Assert.NotEqual("IsolatedModelInstance", host.Find(shared.Id, inProcess.Id)?.Instance.GetType().Name);
        Assert.Equal(1, server.Services.GetRequiredService<WorkerSupervisor>().LeaseCount);
    }
}
