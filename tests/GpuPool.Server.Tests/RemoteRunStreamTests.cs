using GpuPool.Runtime.Scheduling;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

/// <summary>The SDK's remote runs: small ones over one RunStream per server, large ones as unary calls, cancellation reaching the server.</summary>
public sealed class RemoteRunStreamTests(ITestOutputHelper output)
{
    private const string RunMethod = "/gpupool.v1.Inference/Run";
    private const string RunStreamMethod = "/gpupool.v1.Inference/RunStream";

    [Fact]
    public async Task RunAsync_SmallInputs_ShareOneStreamAndLargeInputsAreUnaryCalls()
    {
        var counter = new CallCounter();
        await using var server = await SingleSlotServer.StartAsync(output, counter: counter);
        await using var sdk = Clients.Sdk(server.Address, Keys.Alpha);
        await using var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2), "linear"));

        for (var i = 1; i <= 5; i++)
        {
            float[] x = [i, 2, 3, 4];
            var y = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(x, 1, 4) });
            AssertClose(TestModels.LinearReference(x, 1, 4, 2), y["y"].ToArray<float>());
        }

        Assert.Equal(1, counter.Of(RunStreamMethod));
        Assert.Equal(0, counter.Of(RunMethod));

        // 8192 rows of 4 floats: 128 KiB, over the default 64 KiB threshold.
        const int rows = 8192;
        var large = TestModels.Weights(3, rows * 4);
        var result = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(large, rows, 4) });

        AssertClose(TestModels.LinearReference(large, rows, 4, 2), result["y"].ToArray<float>());
        Assert.Equal(1, counter.Of(RunMethod));
        Assert.Equal(1, counter.Of(RunStreamMethod));
    }

    [Fact]
    public async Task RunAsync_StreamThresholdZero_EveryRunIsAUnaryCall()
    {
        var counter = new CallCounter();
        await using var server = await SingleSlotServer.StartAsync(output, counter: counter);
        await using var sdk = Clients.Sdk(server.Address, Keys.Alpha, configure: o => o.RunStreamMaxBytes = 0);
        await using var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2), "linear"));

        for (var i = 0; i < 3; i++)
        {
            await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });
        }

        Assert.Equal(3, counter.Of(RunMethod));
        Assert.Equal(0, counter.Of(RunStreamMethod));
    }

    [Fact]
    public async Task RunAsync_BadInputOverStream_ThrowsInvalidRequestAndTheStreamGoesOn()
    {
        await using var server = await SingleSlotServer.StartAsync(output);
        await using var sdk = Clients.Sdk(server.Address, Keys.Alpha);
        await using var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2), "linear"));

        var bad = await Assert.ThrowsAsync<InvalidPoolRequestException>(async () =>
            await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3 }, 1, 3) }));
        var good = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });

        Assert.Contains("x", bad.Message, StringComparison.Ordinal);
        AssertClose(TestModels.LinearReference([1, 2, 3, 4], 1, 4, 2), good["y"].ToArray<float>());
    }

    [Fact]
    public async Task RunAsync_CancelledWhileQueued_ThrowsAndTheServerDropsTheRun()
    {
        using var gated = new GatedBackend();
        await using var server = await SingleSlotServer.StartAsync(output, gated);
        await using var sdk = Clients.Sdk(server.Address, Keys.Alpha);
        await using var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(1, 1), "gated"));
        var scheduler = server.Services.GetRequiredService<FairDeviceScheduler>();
        var input = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 7 }, 1) };

        // The device's one run slot is held at the gate; the second run waits in the server's queue.
        var first = model.RunAsync(input).AsTask();
        await gated.WhenEnteredAsync();
        using var cancel = new CancellationTokenSource();
        var second = model.RunAsync(input, cancel.Token).AsTask();
        await Signals.Until(() => Queued(scheduler, lease) == 1);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        // The run left the server's queue while the slot was still held: the server cancelled it.
        await Signals.Until(() => Queued(scheduler, lease) == 0);
        gated.Open();
        var result = await first;
        Assert.Equal([7f], result["y"].ToArray<float>());
        Assert.Equal(1, gated.Runs);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]}, expected {expected[i]}");
        }
    }

    private static int Queued(FairDeviceScheduler scheduler, GpuLease lease) =>
        scheduler.UsageOf(lease.Device.Id).Where(u => u.LeaseId == lease.Id).Sum(u => u.Queued);
}
