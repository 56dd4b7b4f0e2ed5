using GpuPool.OnnxRuntime;
using GpuPool.Testing;

namespace GpuPool.Runtime.Tests.Sharing;

public sealed class DynamicBatchingTests
{
    private const int In = 16;
    private const int Out = 8;

    [Fact]
    public async Task RunAsync_ConcurrentRequests_OneRunAndOutputsEqualUnbatchedBitForBit()
    {
        using var fixture = new HostFixture(new OnnxModelBackend());
        var batchedLease = fixture.Lease(64);
        var plainLease = fixture.Lease(64);

        // The delay never passes on the fake clock: the batch runs when its 6 rows are in.
        var batched = fixture.Load(batchedLease, TestModels.Linear(In, Out), new BatchingOptions { MaxBatchSize = 6, MaxQueueDelay = TimeSpan.FromSeconds(10) });
        var plain = fixture.Load(plainLease, TestModels.Linear(In, Out));
        Assert.True(batched.IsBatching);
        var requests = new[] { Rows(1, seed: 1), Rows(2, seed: 2), Rows(3, seed: 3) };

        var results = await Task.WhenAll(requests.Select(r => batched.RunAsync(r).AsTask())).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, fixture.Scheduler.UsageOf(batchedLease)!.Runs);
        // The batch is counted like any run for the operator's figures: once, with its measured time.
        var counted = fixture.Host.Metrics.Usage.Lease(batchedLease.Id);
        Assert.Equal(1, counted.Runs);
        Assert.True(counted.Time > TimeSpan.Zero);
        for (var i = 0; i < requests.Length; i++)
        {
            var alone = await plain.RunAsync(requests[i]);
            Assert.Equal(alone["y"].Shape, results[i]["y"].Shape);
            Assert.Equal(alone["y"].Data.ToArray(), results[i]["y"].Data.ToArray());
        }
    }

    [Fact]
    public async Task RunAsync_DifferentShapes_RunInSeparateBatches()
    {
        using var fixture = new HostFixture(new CountingBackend());
        var lease = fixture.Lease(64);
        var model = fixture.Load(lease, CountingBackend.Model(1), new BatchingOptions { MaxBatchSize = 2, MaxQueueDelay = TimeSpan.Zero });

        var results = await Task.WhenAll(
            model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray([1f], 1) }).AsTask(),
            model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray([2f], 1) }).AsTask()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([1f], results[0]["y"].ToArray<float>());
        Assert.Equal([2f], results[1]["y"].ToArray<float>());
    }

    [Fact]
    public void Load_ModelWithoutBatchDimension_RunsUnbatched()
    {
        using var fixture = new HostFixture(new OnnxModelBackend());
        var lease = fixture.Lease(64);
        var fixedBatch = new Testing.Onnx.OnnxGraphBuilder("fixed").Input("x", 2, 4).Output("y", 2, 4).Node("Relu", ["x"], ["y"]).Build();

        var model = fixture.Load(lease, fixedBatch, new BatchingOptions { MaxBatchSize = 8 });

        Assert.False(model.IsBatching);
    }

    [Fact]
    public void Load_InvalidBatching_NamesTheProblem()
    {
        using var fixture = new HostFixture(new OnnxModelBackend());
        var lease = fixture.Lease(64);

        var error = Assert.Throws<InvalidPoolRequestException>(() => fixture.Load(lease, TestModels.Linear(In, Out), new BatchingOptions { MaxBatchSize = 0 }));

        Assert.Contains("MaxBatchSize", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, lease.MemoryUsedBytes);
    }

    private static Dictionary<string, TensorValue> Rows(int rows, int seed) =>
        new() { ["x"] = TensorValue.FromArray(TestModels.Weights(seed, rows * In), rows, In) };
}
