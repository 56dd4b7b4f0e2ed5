using System.Runtime.InteropServices;
using GpuPool.Runtime.Tests.Support;
using GpuPool.Testing;

namespace GpuPool.Runtime.Tests.Models;

/// <summary>
/// Runs repeated with the same tensors, rewritten tensors and changing batch sizes: the ONNX backend reuses the
/// native value made for an input it saw before and, after its first runs, takes output shapes from the declared
/// ones; every run must still read the current inputs and report the real output shape.
/// </summary>
public sealed class RepeatedRunTests
{
    private static readonly byte[] Linear = TestModels.Linear(8, 4);

    [Fact]
    public async Task RunAsync_SameTensorRewrittenBetweenRuns_EachRunReadsCurrentValues()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(Linear, "linear"));
        var bytes = new byte[2 * 8 * sizeof(float)];
        var x = new Dictionary<string, TensorValue> { ["x"] = new TensorValue(TensorDataType.Float32, [2, 8], bytes) };

        for (var run = 0; run < 10; run++)
        {
            var values = TestModels.Weights(100 + run, 2 * 8);
            values.AsSpan().CopyTo(MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));

            var outputs = await model.RunAsync(x);

            Assert.Equal([2L, 4L], outputs["y"].Shape);
            AssertClose(TestModels.LinearReference(values, 2, 8, 4), outputs["y"].ToArray<float>());
        }
    }

    [Fact]
    public async Task RunAsync_BatchSizeChangesAfterManyRuns_OutputsFollowTheInputs()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(Linear, "linear"));
        int[] batches = [1, 1, 1, 1, 1, 1, 3, 1, 5, 5, 2, 1, 4];

        foreach (var (batch, run) in batches.Select((b, i) => (b, i)))
        {
            var values = TestModels.Weights(200 + run, batch * 8);

            var outputs = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(values, batch, 8) });

            Assert.Equal([batch, 4L], outputs["y"].Shape);
            AssertClose(TestModels.LinearReference(values, batch, 8, 4), outputs["y"].ToArray<float>());
        }
    }

    [Fact]
    public async Task RunAsync_ConcurrentRunsOfDifferentTensors_EachGetsItsOwnResult()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 1000));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(Linear, "linear"));

        var runs = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (var run = 0; run < 20; run++)
            {
                var batch = 1 + ((client + run) % 3);
                var values = TestModels.Weights((client * 100) + run, batch * 8);
                var outputs = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(values, batch, 8) });
                Assert.Equal([batch, 4L], outputs["y"].Shape);
                AssertClose(TestModels.LinearReference(values, batch, 8, 4), outputs["y"].ToArray<float>());
            }
        }));

        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(2));
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 4);
        }
    }
}
