using GpuPool.OnnxRuntime;
using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Tests.Sharing;
using GpuPool.Runtime.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Tests.Isolation;

/// <summary>ONNX Runtime threads in a worker process: one pool for the whole process, not threads per model.</summary>
public sealed class WorkerThreadTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Load_ManyModelsInOneWorker_SessionsShareOneThreadPool()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // 64 compute units over 4 run slots: a session with threads of its own would start 15 more with each model.
        var device = TestPool.Device("gpu0", 1) with { ComputeUnits = 64 };
        using var workers = new WorkerSupervisor(Options.Create(new WorkerOptions()), NullLogger<WorkerSupervisor>.Instance);
        using var fixture = new HostFixture(new OnnxModelBackend(), workers: workers, time: TimeProvider.System, device: device);
        var lease = fixture.Lease(256, isolation: LeaseIsolation.Process);
        var input = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(1, 8), 1, 8) };
        var first = fixture.Load(lease, TestModels.Linear(8, 1));
        await first.RunAsync(input).AsTask().WaitAsync(Guard);
        var pid = workers.WorkerOf(lease.Id)!.ProcessId!.Value;
        var before = ThreadsOf(pid);

        for (var outputs = 2; outputs <= 4; outputs++)
        {
            var model = fixture.Load(lease, TestModels.Linear(8, outputs));
            var result = await model.RunAsync(input).AsTask().WaitAsync(Guard);
            var expected = TestModels.LinearReference(input["x"].ToArray<float>(), 1, 8, outputs);
            var actual = result["y"].ToArray<float>();
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]}, expected {expected[i]}");
            }
        }

        // Three more sessions with threads of their own would have added 45; the runtime's own may come and go.
        var added = ThreadsOf(pid) - before;
        Assert.True(added < 15, $"the worker has {added} more threads after loading three more models");
    }

    private static int ThreadsOf(int pid) => Directory.GetDirectories($"/proc/{pid}/task").Length;
}
