using System.Diagnostics;
using GpuPool.OnnxRuntime;
using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Tests.Sharing;
using GpuPool.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Tests.Isolation;

public sealed class WorkerIsolationTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_IsolatedLease_RunsInWorkerAndMatchesInProcess()
    {
        using var workers = new WorkerSupervisor(Options.Create(new WorkerOptions()), NullLogger<WorkerSupervisor>.Instance);
        using var fixture = new HostFixture(new OnnxModelBackend(), workers: workers, time: TimeProvider.System);
        var isolated = fixture.Lease(64, isolation: LeaseIsolation.Process);
        var shared = fixture.Lease(64);
        var inWorker = fixture.Load(isolated, TestModels.Linear(8, 4));
        var inProcess = fixture.Load(shared, TestModels.Linear(8, 4));
        var input = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(5, 3 * 8), 3, 8) };

        var fromWorker = await inWorker.RunAsync(input).AsTask().WaitAsync(Guard);
        var fromProcess = await inProcess.RunAsync(input).AsTask().WaitAsync(Guard);

        Assert.NotSame(inWorker.Instance, inProcess.Instance);
        Assert.Equal(fromProcess["y"].Data.ToArray(), fromWorker["y"].Data.ToArray());
        var pid = workers.WorkerOf(isolated.Id)!.ProcessId;
        Assert.NotNull(pid);
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Equal(ByteSize.MiB(64) - isolated.MemoryUsedBytes, ByteSize.MiB(64) - inWorker.MemoryBytes);
    }

    [Fact]
    public async Task RunAsync_WorkerKilledMidRun_FailsOnlyThatLeaseAndNextCallGetsNewWorker()
    {
        using var workers = new WorkerSupervisor(Options.Create(new WorkerOptions()), NullLogger<WorkerSupervisor>.Instance);
        using var fixture = new HostFixture(new OnnxModelBackend(), workers: workers, time: TimeProvider.System);
        var isolated = fixture.Lease(256, isolation: LeaseIsolation.Process);
        var neighbour = fixture.Lease(64);
        const int size = 768;
        var heavy = fixture.Load(isolated, TestModels.MatMulChain(size, 12));
        var light = fixture.Load(neighbour, TestModels.Linear(8, 4));
        var worker = workers.WorkerOf(isolated.Id)!;
        var firstPid = worker.ProcessId!.Value;
        // Seconds of work even on a fast machine, so the kill certainly lands while the run is in flight.
        const int batch = 4096;
        var bigInput = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(1, batch * size), batch, size) };
        var lightInput = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(2, 8), 1, 8) };

        var doomed = Task.Run(async () => await heavy.RunAsync(bigInput));
        Assert.True(SpinWait.SpinUntil(() => worker.CallsInFlight > 0, Guard));
        using (var process = Process.GetProcessById(firstPid))
        {
            process.Kill();
        }

        var failure = await Assert.ThrowsAsync<PoolUnavailableException>(() => doomed.WaitAsync(Guard));
        Assert.Contains(isolated.Id, failure.Message, StringComparison.Ordinal);
        Assert.True(isolated.IsActive);

        // The neighbour in the pool's process is untouched.
        var neighbourResult = await light.RunAsync(lightInput).AsTask().WaitAsync(Guard);
        var expected = TestModels.LinearReference(lightInput["x"].ToArray<float>(), 1, 8, 4);
        var actual = neighbourResult["y"].ToArray<float>();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }

        // The isolated lease's next call starts a fresh worker with its model loaded again.
        var smallInput = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(3, size), 1, size) };
        var again = await heavy.RunAsync(smallInput).AsTask().WaitAsync(Guard);
        Assert.Equal([1L, size], again["y"].Shape);
        Assert.Equal(2, worker.Starts);
        Assert.NotEqual(firstPid, worker.ProcessId);
    }

    [Fact]
    public async Task Release_IsolatedLease_StopsItsWorker()
    {
        using var workers = new WorkerSupervisor(Options.Create(new WorkerOptions()), NullLogger<WorkerSupervisor>.Instance);
        using var fixture = new HostFixture(new OnnxModelBackend(), workers: workers, time: TimeProvider.System);
        var isolated = fixture.Lease(64, isolation: LeaseIsolation.Process);
        var model = fixture.Load(isolated, TestModels.Linear(8, 4));
        using var process = Process.GetProcessById(workers.WorkerOf(isolated.Id)!.ProcessId!.Value);

        fixture.Table.Release(isolated);

        await process.WaitForExitAsync().WaitAsync(Guard);
        Assert.Equal(0, workers.LeaseCount);
        Assert.True(model.IsUnloaded);
    }

    [Fact]
    public void For_NvidiaLeaseWithMps_SetsDeviceThreadPercentageAndMemoryLimit()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var device = Support.TestPool.Device("nvidia0", memoryGiB: 80) with { IsSimulated = false, Uuid = "GPU-1234" };
        using var table = Support.TestPool.Table(time, device);
        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(10), 255))!;

        var withMps = WorkerEnvironment.For(lease, mpsAvailable: true);
        var withoutMps = WorkerEnvironment.For(lease, mpsAvailable: false);

        Assert.Equal("GPU-1234", withMps["CUDA_VISIBLE_DEVICES"]);
        Assert.Equal("26", withMps["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"]);
        Assert.Equal("0=10240M", withMps["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"]);
        Assert.Equal(["CUDA_VISIBLE_DEVICES"], withoutMps.Keys);
        Assert.Equal(0, WorkerEnvironment.DeviceInWorker(device with { Ordinal = 3 }).Ordinal);
    }

    [Fact]
    public void Load_ProcessIsolationWithoutSupervisor_IsRefusedClearly()
    {
        using var fixture = new HostFixture(new OnnxModelBackend());
        var isolated = fixture.Lease(64, isolation: LeaseIsolation.Process);

        var error = Assert.Throws<InvalidPoolRequestException>(() => fixture.Load(isolated, TestModels.Linear(8, 4)));

        Assert.Contains("process isolation", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, isolated.MemoryUsedBytes);
    }

    [Fact]
    public async Task Load_TenantConfiguredForIsolation_RunsInWorkerWithoutAsking()
    {
        var options = new WorkerOptions();
        options.ProcessIsolatedTenants.Add("untrusted");
        using var workers = new WorkerSupervisor(Options.Create(options), NullLogger<WorkerSupervisor>.Instance);
        using var fixture = new HostFixture(new OnnxModelBackend(), workers: workers, time: TimeProvider.System);
        var lease = fixture.Table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(64), 250), "untrusted")!;
        var other = fixture.Lease(64);

        var model = fixture.Load(lease, TestModels.Linear(8, 4));
        fixture.Load(other, TestModels.Linear(8, 4));
        var outputs = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[8], 1, 8) }).AsTask().WaitAsync(Guard);

        Assert.NotNull(workers.WorkerOf(lease.Id)?.ProcessId);
        Assert.Null(workers.WorkerOf(other.Id));
        Assert.Equal([1L, 4L], outputs["y"].Shape);
        model.Unload();
        Assert.Equal(0, lease.MemoryUsedBytes);
    }

    [Fact]
    public async Task Release_WhileIsolatedRunInFlight_StopsWorkerWithoutWaitingForTheRun()
    {
        using var workers = new WorkerSupervisor(Options.Create(new WorkerOptions()), NullLogger<WorkerSupervisor>.Instance);
        using var fixture = new HostFixture(new OnnxModelBackend(), workers: workers, time: TimeProvider.System);
        var isolated = fixture.Lease(256, isolation: LeaseIsolation.Process);
        const int size = 768;
        var heavy = fixture.Load(isolated, TestModels.MatMulChain(size, 12));
        var worker = workers.WorkerOf(isolated.Id)!;
        using var process = Process.GetProcessById(worker.ProcessId!.Value);
        // Seconds of work even on a fast machine, so the release certainly lands while the run is in flight.
        const int batch = 4096;
        var input = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(1, batch * size), batch, size) };
        var run = Task.Run(async () => await heavy.RunAsync(input));
        Assert.True(SpinWait.SpinUntil(() => worker.CallsInFlight > 0, Guard));

        fixture.Table.Release(isolated);

        Assert.True(process.HasExited || process.WaitForExit(Guard));
        await Assert.ThrowsAnyAsync<GpuPoolRejectedException>(() => run.WaitAsync(Guard));
    }
}
