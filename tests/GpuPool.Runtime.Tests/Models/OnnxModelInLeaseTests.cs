using GpuPool.Runtime.Tests.Support;
using GpuPool.Testing;

namespace GpuPool.Runtime.Tests.Models;

public sealed class OnnxModelInLeaseTests
{
    private static readonly byte[] Linear = TestModels.Linear(8, 4);

    private static Dictionary<string, TensorValue> Inputs(float[] x, int batch) => new() { ["x"] = TensorValue.FromArray(x, batch, 8) };

    [Fact]
    public async Task RunAsync_LinearModel_MatchesPlainArithmetic()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(Linear, "linear"));
        var x = TestModels.Weights(42, 3 * 8);

        var outputs = await model.RunAsync(Inputs(x, 3));

        var y = outputs["y"].ToArray<float>();
        var expected = TestModels.LinearReference(x, 3, 8, 4);
        Assert.Equal([3L, 4L], outputs["y"].Shape);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], y[i], 5);
        }
    }

    [Fact]
    public async Task LoadModelAsync_FromFileAndStream_DescribesInputsAndChargesLease()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        var path = Path.Combine(Path.GetTempPath(), $"gpupool-{Guid.NewGuid():N}.onnx");
        await File.WriteAllBytesAsync(path, Linear);
        try
        {
            var fromFile = await lease.LoadModelAsync(ModelSource.FromFile(path));
            using var stream = new MemoryStream(Linear);
            var fromStream = await lease.LoadModelAsync(ModelSource.FromStream(stream, "linear-stream"));

            Assert.Equal(Path.GetFileName(path), fromFile.Name);
            Assert.Equal("linear-stream", fromStream.Name);
            Assert.Equal(fromFile.ContentHash, fromStream.ContentHash);
            Assert.Equal(ModelFormat.Onnx, fromFile.Format);
            Assert.Equal([new TensorInfo("x", TensorDataType.Float32, [-1, 8]).ToString()], fromFile.Inputs.Select(i => i.ToString()));
            Assert.Equal(fromFile.MemoryBytes + fromStream.MemoryBytes, lease.MemoryUsedBytes);

            await fromFile.UnloadAsync();
            await fromFile.UnloadAsync();
            Assert.Equal(fromStream.MemoryBytes, lease.MemoryUsedBytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task LoadModelAsync_PastMemoryQuota_ThrowsQuotaExceededAndLeaseStaysUsable()
    {
        await using var pool = new EmbeddedPool();
        var big = TestModels.MatMulChain(256, 4);
        await using var measuring = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var measured = await measuring.LoadModelAsync(ModelSource.FromBytes(big, "big"));

        // The same bytes in a second lease share the loaded model and are charged its measured size again.
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(measured.MemoryBytes + Linear.Length - 1, 250));
        await using var first = await lease.LoadModelAsync(ModelSource.FromBytes(big, "big"));
        var error = await Assert.ThrowsAsync<QuotaExceededException>(() => lease.LoadModelAsync(ModelSource.FromBytes(Linear, "linear")).AsTask());

        Assert.Contains("linear", error.Message, StringComparison.Ordinal);
        Assert.Equal(measured.MemoryBytes, first.MemoryBytes);
        Assert.Equal(first.MemoryBytes, lease.MemoryUsedBytes);
        await first.UnloadAsync();
        await using var second = await lease.LoadModelAsync(ModelSource.FromBytes(Linear, "linear"));
        Assert.NotEmpty((await second.RunAsync(Inputs(new float[8], 1)))["y"].ToArray<float>());
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4, 5 }, "neither ONNX")]
    [InlineData(new byte[] { 0x08, 0x07, 0xFF, 0xFF, 0xFF }, "not a valid ONNX model")]
    public async Task LoadModelAsync_NotAModel_ThrowsInvalidRequestAndChargesNothing(byte[] bytes, string expected)
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));

        var error = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => lease.LoadModelAsync(ModelSource.FromBytes(bytes, "junk.bin")).AsTask());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, lease.MemoryUsedBytes);
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(Linear));
        Assert.Equal(model.MemoryBytes, lease.MemoryUsedBytes);
        Assert.True(model.MemoryBytes >= Linear.Length);
    }

    public static TheoryData<Dictionary<string, TensorValue>, string> BadInputs => new()
    {
        { new() { ["input"] = TensorValue.FromArray(new float[8], 1, 8) }, "no input named 'input'" },
        { new() { ["x"] = TensorValue.FromArray(new float[9], 1, 9) }, "dimension 1 must be 8; got 9" },
        { new() { ["x"] = TensorValue.FromArray(new float[8], 8) }, "must have rank 2" },
        { new() { ["x"] = TensorValue.FromArray(new double[8], 1, 8) }, "must be Float32; got Float64" },
        { new(), "Input 'x'" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task RunAsync_BadInputs_ThrowsNamingTheProblemAndModelKeepsWorking(Dictionary<string, TensorValue> inputs, string expected)
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(Linear));

        var error = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => model.RunAsync(inputs).AsTask());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        var x = TestModels.Weights(5, 8);
        var y = (await model.RunAsync(Inputs(x, 1)))["y"].ToArray<float>();
        Assert.Equal(TestModels.LinearReference(x, 1, 8, 4), y);
    }

    [Fact]
    public void TensorValue_DataNotMatchingShape_IsRejected()
    {
        var error = Assert.Throws<InvalidPoolRequestException>(() => new TensorValue(TensorDataType.Float32, [2, 3], new byte[20]));

        Assert.Contains("needs 24 bytes; got 20", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_WithModelsLoaded_UnloadsThemAndFailsLaterRuns()
    {
        await using var pool = new EmbeddedPool();
        var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        var model = await lease.LoadModelAsync(ModelSource.FromBytes(Linear));

        await lease.DisposeAsync();
        await lease.DisposeAsync();

        var error = await Assert.ThrowsAsync<LeaseLostException>(() => model.RunAsync(Inputs(new float[8], 1)).AsTask());
        Assert.Equal(LeaseLostReason.Released, error.Reason);
        await Assert.ThrowsAsync<LeaseLostException>(() => lease.LoadModelAsync(ModelSource.FromBytes(Linear)).AsTask());
        Assert.Equal(0, (await pool.Pool.GetInventoryAsync()).Devices.Sum(d => d.ActiveLeases));
    }
}
