using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Integration;

/// <summary>Remote leases isolated in worker processes (GpuPool.Worker next to the server).</summary>
public sealed class ProcessIsolationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_RemoteLeaseWithProcessIsolation_RunsInAWorkerWithTheReferenceResult()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 250) with { Isolation = LeaseIsolation.Process });
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(8, 4), "linear"));
        var input = TestModels.Weights(5, 3 * 8);

        var y = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(input, 3, 8) });

        Approx.Equal(TestModels.LinearReference(input, 3, 8, 4), y["y"].ToArray<float>());
        AssertIsolated(server, lease.Id, model.Id);
    }

    [Fact]
    public async Task RunAsync_TenantIsolatedByConfiguration_RunsInAWorker()
    {
        // Binds GpuPool:Runtime:Workers: every lease of beta is process-isolated without asking.
        await using var server = await ServerHost.StartAsync(output, settings: new Dictionary<string, string?> { ["GpuPool:Runtime:Workers:ProcessIsolatedTenants:0"] = "beta" });
        await using var client = Clients.Sdk(server.Address, Keys.Beta);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 250));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2), "linear"));

        var y = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });

        Approx.Equal(TestModels.LinearReference([1, 2, 3, 4], 1, 4, 2), y["y"].ToArray<float>());
        AssertIsolated(server, lease.Id, model.Id);
    }

    private static void AssertIsolated(ServerHost server, string leaseId, string modelId)
    {
        Assert.Equal(1, server.Services.GetRequiredService<WorkerSupervisor>().LeaseCount);
        var loaded = server.Services.GetRequiredService<ModelHost>().Find(leaseId, modelId);
        Assert.NotNull(loaded);
        Assert.Equal("IsolatedModelInstance", loaded.Instance.GetType().Name);
        Assert.True(server.Services.GetRequiredService<LeaseTable>().TryGet(leaseId, out _));
    }
}
