using GpuPool.OnnxRuntime.Internal;
using GpuPool.Runtime.Embedded;
using GpuPool.Runtime.Tests.Support;
using GpuPool.Testing;
using GpuPool.Testing.Onnx;

namespace GpuPool.Runtime.Tests.Models;

/// <summary>
/// The ONNX backend's pre-allocated outputs: after two runs of the same input shapes, ONNX Runtime writes a run's
/// outputs into values made with the shapes the last run gave. Every run must still get the shapes ONNX Runtime
/// computes, the current values in arrays of its own, and the errors it would get without them; an output whose shape
/// depends on the inputs' values (refused by ONNX Runtime) turns the path off for the model.
/// </summary>
public sealed class PreallocatedOutputTests
{
    [Fact]
    public async Task RunAsync_SameShapesRepeated_LaterRunsWriteIntoPreallocatedOutputsAndEachOwnsItsResult()
    {
        await using var rig = await Rig.LoadAsync(TestModels.Linear(8, 4));
        var results = new List<(float[] X, TensorValue Y)>();

        for (var run = 0; run < 6; run++)
        {
            var x = TestModels.Weights(300 + run, 3 * 8);
            results.Add((x, (await rig.RunAsync(new() { ["x"] = TensorValue.FromArray(x, 3, 8) }))["y"]));
        }

        // Runs 1 and 2 of the shape [3, 8] go the usual way (the second makes the outputs); runs 3 to 6 are written into them.
        Assert.Equal(4, rig.PreallocatedRuns);
        foreach (var (x, y) in results)
        {
            // Read after all runs: no later run wrote into an earlier run's result.
            Assert.Equal([3L, 4L], y.Shape);
            AssertClose(TestModels.LinearReference(x, 3, 8, 4), y.ToArray<float>());
        }
    }

    [Fact]
    public async Task RunAsync_DynamicDimensionChangesBetweenRuns_ShapesAndValuesFollowTheInputs()
    {
        await using var rig = await Rig.LoadAsync(TestModels.Linear(8, 4));
        int[] batches = [2, 2, 2, 2, 5, 2, 5, 5, 5, 7, 7, 2];
        var before = rig.PreallocatedRuns;

        foreach (var (batch, run) in batches.Select((b, i) => (b, i)))
        {
            var x = TestModels.Weights(400 + run, batch * 8);

            var y = (await rig.RunAsync(new() { ["x"] = TensorValue.FromArray(x, batch, 8) }))["y"];

            Assert.Equal([batch, 4L], y.Shape);
            AssertClose(TestModels.LinearReference(x, batch, 8, 4), y.ToArray<float>());
        }

        // The third and fourth 2s, then the third 5: every other run's shape differs from the run before or is only its second.
        Assert.Equal(3, rig.PreallocatedRuns - before);
    }

    [Fact]
    public async Task RunAsync_OutputShapeDependsOnInputValues_FallsBackToTheRealShapeAndStopsPreallocating()
    {
        // NonZero: y (Int64 [1, k]) holds the indices of x's non-zero elements, k known only from the values.
        var model = new OnnxGraphBuilder("nonzero").Input("x", 4).Output("y", TensorDataType.Int64, 1, "k").Node("NonZero", ["x"], ["y"]).Build();
        await using var rig = await Rig.LoadAsync(model);
        var twoNonZeros = TensorValue.FromArray([1f, 0f, 2f, 0f], 4);
        for (var run = 0; run < 3; run++)
        {
            var y = (await rig.RunAsync(new() { ["x"] = twoNonZeros }))["y"];
            Assert.Equal([0L, 2L], y.ToArray<long>());
        }

        var written = rig.PreallocatedRuns;
        Assert.True(written >= 1, "the third run of the same shape writes into pre-allocated outputs");

        // Same input shape, another output shape: ONNX Runtime refuses the pre-allocated [1, 2]; the run gets [1, 3].
        var threeNonZeros = TensorValue.FromArray([1f, 2f, 3f, 0f], 4);
        for (var run = 0; run < 4; run++)
        {
            var y = (await rig.RunAsync(new() { ["x"] = threeNonZeros }))["y"];
            Assert.Equal([1L, 3L], y.Shape);
            Assert.Equal([0L, 1L, 2L], y.ToArray<long>());
        }

        var again = (await rig.RunAsync(new() { ["x"] = twoNonZeros }))["y"];
        Assert.Equal([1L, 2L], again.Shape);
        Assert.Equal([0L, 2L], again.ToArray<long>());
        Assert.Equal(written, rig.PreallocatedRuns);
    }

    [Fact]
    public async Task RunAsync_BadInputValuesAfterPreallocatedRuns_SameErrorAsWithoutAndThePathStays()
    {
        // Gather from a 3-element weight: an index past it is refused by ONNX Runtime whatever the outputs.
        var model = new OnnxGraphBuilder("gather").Initializer("w", [10f, 20f, 30f], 3).Input("i", TensorDataType.Int64, "n")
            .Output("y", "n").Node("Gather", ["w", "i"], ["y"]).Build();
        var bad = new Dictionary<string, TensorValue> { ["i"] = TensorValue.FromArray([0L, 7L], 2) };
        string expected;
        await using (var fresh = await Rig.LoadAsync(model))
        {
            expected = (await Assert.ThrowsAsync<InvalidPoolRequestException>(() => fresh.RunAsync(bad))).Message;
        }

        await using var rig = await Rig.LoadAsync(model);
        var good = new Dictionary<string, TensorValue> { ["i"] = TensorValue.FromArray([2L, 0L], 2) };
        for (var run = 0; run < 3; run++)
        {
            var y = (await rig.RunAsync(good))["y"];
            Assert.Equal([30f, 10f], y.ToArray<float>());
        }

        var written = rig.PreallocatedRuns;

        var ex = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => rig.RunAsync(bad));

        Assert.Equal(expected, ex.Message);
        Assert.Contains("rejected the inputs", ex.Message, StringComparison.Ordinal);
        var after = (await rig.RunAsync(good))["y"];
        Assert.Equal([30f, 10f], after.ToArray<float>());
        Assert.Equal(written + 1, rig.PreallocatedRuns);
    }

    [Fact]
    public async Task RunAsync_OutputThatIsAnInput_NeverPreallocatedAndAlwaysTheCurrentInput()
    {
        // x is a graph output as it is (no node writes it): ONNX Runtime hands the input back instead of filling a value.
        // z is x through an Identity node, which ONNX Runtime may not remove (it would alias an input).
        var model = new OnnxGraphBuilder("pass-through").Input("x", "n").Output("x", "n").Output("y", "n").Node("Relu", ["x"], ["y"]).Build();
        var identity = new OnnxGraphBuilder("identity").Input("x", "n").Output("z", "n").Node("Identity", ["x"], ["z"]).Build();
        await using (var copy = await Rig.LoadAsync(identity))
        {
            for (var run = 0; run < 5; run++)
            {
                float[] x = [run, -run];
                var z = (await copy.RunAsync(new() { ["x"] = TensorValue.FromArray(x, 2) }))["z"];
                Assert.Equal(x, z.ToArray<float>());
            }

            Assert.Equal(3, copy.PreallocatedRuns);
        }

        await using var rig = await Rig.LoadAsync(model);

        for (var run = 0; run < 5; run++)
        {
            float[] x = [run, -run, 2 * run];
            var outputs = await rig.RunAsync(new() { ["x"] = TensorValue.FromArray(x, 3) });
            Assert.Equal(x, outputs["x"].ToArray<float>());
            Assert.Equal([run, 0f, 2 * run], outputs["y"].ToArray<float>());
        }

        Assert.Equal(0, rig.PreallocatedRuns);
    }

    [Fact]
    public async Task RunAsync_OutputThatIsAWeight_PreallocatedWithTheWeightsValues()
    {
        var model = new OnnxGraphBuilder("weight-out").Initializer("w", [1f, 2f, 3f, 4f, 5f, 6f], 2, 3).Input("x", 3).Output("w", 2, 3).Output("y", 3)
            .Node("Relu", ["x"], ["y"]).Build();
        await using var rig = await Rig.LoadAsync(model);

        for (var run = 0; run < 4; run++)
        {
            var outputs = await rig.RunAsync(new() { ["x"] = TensorValue.FromArray([run, -1f, 1f], 3) });
            Assert.Equal([2L, 3L], outputs["w"].Shape);
            Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], outputs["w"].ToArray<float>());
            Assert.Equal([run, 0f, 1f], outputs["y"].ToArray<float>());
        }

        Assert.True(rig.PreallocatedRuns >= 2);
    }

    [Fact]
    public async Task RunAsync_StringOutput_NeverPreallocatedAndCorrect()
    {
        await using var rig = await Rig.LoadAsync(TestModels.Strings());

        for (var run = 0; run < 4; run++)
        {
            var outputs = await rig.RunAsync(new()
            {
                ["text"] = TensorValue.FromStrings([$"run {run}", "é"], 2),
                ["number"] = TensorValue.FromStrings([$"{run}.5", "-2"], 2),
            });
            Assert.Equal([$"run {run}", "é"], outputs["echo"].ToStrings());
            Assert.Equal([run + 0.5f, -2f], outputs["value"].ToArray<float>());
        }

        Assert.Equal(0, rig.PreallocatedRuns);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 4);
        }
    }

    /// <summary>A model loaded in a lease of an embedded pool, and its ONNX instance (whose pre-allocated runs it counts).</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly EmbeddedPool _pool;
        private readonly GpuLease _lease;
        private readonly PooledModel _model;

        private Rig(EmbeddedPool pool, GpuLease lease, PooledModel model) => (_pool, _lease, _model) = (pool, lease, model);

        public long PreallocatedRuns => ((OnnxModelInstance)((EmbeddedModel)_model).Loaded.Instance).PreallocatedRuns;

        public static async Task<Rig> LoadAsync(byte[] model)
        {
            var pool = new EmbeddedPool();
            var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
            return new Rig(pool, lease, await lease.LoadModelAsync(ModelSource.FromBytes(model, "model")));
        }

        public async Task<IReadOnlyDictionary<string, TensorValue>> RunAsync(Dictionary<string, TensorValue> inputs) => await _model.RunAsync(inputs);

        public async ValueTask DisposeAsync()
        {
            await _model.DisposeAsync();
            await _lease.DisposeAsync();
            await _pool.DisposeAsync();
        }
    }
}
