using System.Runtime.InteropServices;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Embedded;
using GpuPool.Runtime.Scheduling;
using GpuPool.Runtime.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Runtime.Tests.Models;

/// <summary>
/// The run path of a lease alone on its device (started by the scheduler, executed on the caller's thread): inputs
/// wherever their bytes live, outputs by name, and one measurement charged to the lease's share and counted as the run's.
/// </summary>
public sealed class RunPathTests
{
    [Fact]
    public async Task RunAsync_InputsOverSlicesOfOneArray_EachInputReadsItsOwnBytes()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.UnsignedIntegers(), "unsigned"));
        var buffer = new byte[4 + (3 * 2) + 2 + (3 * 4) + (3 * 8)];
        var inputs = new Dictionary<string, TensorValue>
        {
            ["u16"] = new(TensorDataType.UInt16, [3], buffer.AsMemory(4, 6)),
            ["u32"] = new(TensorDataType.UInt32, [3], buffer.AsMemory(12, 12)),
            ["u64"] = new(TensorDataType.UInt64, [3], buffer.AsMemory(24, 24)),
        };

        for (var run = 1; run <= 3; run++)
        {
            Fill(buffer, run);

            var outputs = await model.RunAsync(inputs);

            Assert.Equal([(ushort)(run * 100), (ushort)((run * 100) + 1), (ushort)((run * 100) + 2)], outputs["u16_same"].ToArray<ushort>());
            Assert.Equal([(uint)(run * 2000), (uint)((run * 2000) + 2), (uint)((run * 2000) + 4)], outputs["u32_twice"].ToArray<uint>());
            Assert.Equal([(ulong)(run * 20000), (ulong)((run * 20000) + 2), (ulong)((run * 20000) + 4)], outputs["u64_twice"].ToArray<ulong>());
        }
    }

    /// <summary>Writes run <paramref name="run"/>'s values into the three inputs' slices of <paramref name="buffer"/>.</summary>
    private static void Fill(byte[] buffer, int run)
    {
        var u16 = MemoryMarshal.Cast<byte, ushort>(buffer.AsSpan(4, 6));
        var u32 = MemoryMarshal.Cast<byte, uint>(buffer.AsSpan(12, 12));
        var u64 = MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan(24, 24));
        for (var i = 0; i < 3; i++)
        {
            u16[i] = (ushort)((run * 100) + i);
            u32[i] = (uint)((run * 1000) + i);
            u64[i] = (ulong)((run * 10000) + i);
        }
    }

    [Fact]
    public async Task RunAsync_InputInNativeMemory_IsPinnedThroughItsOwnManager()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(8, 4), "linear"));
        using var native = new NativeBytes(2 * 8 * sizeof(float));
        var values = TestModels.Weights(7, 2 * 8);
        MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(native.GetSpan());
        var inputs = new Dictionary<string, TensorValue> { ["x"] = new(TensorDataType.Float32, [2, 8], native.Memory) };

        var outputs = await model.RunAsync(inputs);

        Assert.Equal([2L, 4L], outputs["y"].Shape);
        var expected = TestModels.LinearReference(values, 2, 8, 4);
        var actual = outputs["y"].ToArray<float>();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 4);
        }

        Assert.True(native.Pins >= 1);
    }

    [Fact]
    public async Task RunAsync_Outputs_AreByNameInTheModelsOrder()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.UnsignedIntegers(), "unsigned"));
        var inputs = new Dictionary<string, TensorValue>
        {
            ["u64"] = TensorValue.FromArray(new ulong[] { 5 }, 1),
            ["u16"] = TensorValue.FromArray(new ushort[] { 3 }, 1),
            ["u32"] = TensorValue.FromArray(new uint[] { 4 }, 1),
        };

        var outputs = await model.RunAsync(inputs);

        Assert.Equal(["u16_same", "u32_twice", "u64_twice"], outputs.Keys);
        Assert.Equal(["u16_same", "u32_twice", "u64_twice"], outputs.Select(o => o.Key));
        Assert.Equal(3, outputs.Count);
        Assert.Equal(outputs["u32_twice"], outputs.Values.ElementAt(1));
        Assert.True(outputs.ContainsKey("u64_twice"));
        Assert.True(outputs.TryGetValue("u64_twice", out var u64));
        Assert.Equal([10UL], u64!.ToArray<ulong>());
        Assert.False(outputs.ContainsKey("U64_twice"));
        Assert.False(outputs.TryGetValue("missing", out _));
        Assert.Throws<KeyNotFoundException>(() => outputs["missing"]);
    }

    [Fact]
    public async Task RunAsync_LeaseAloneOnItsDevice_ChargesItsShareWhatItsRunsCount()
    {
        await using var pool = new EmbeddedPool();
        await using var lease = await pool.Pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.MatMulChain(64, 2), "chain"));
        var entry = ((EmbeddedModel)model).Loaded.Lease;
        var scheduler = pool.Services.GetRequiredService<IDeviceScheduler>() switch
        {
            Cuda.CudaStreamScheduler wrapped => (FairDeviceScheduler)wrapped.Inner,
            var other => (FairDeviceScheduler)other,
        };
        var ledger = pool.Services.GetRequiredService<RuntimeMetrics>().Usage;
        var inputs = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(TestModels.Weights(3, 64), 1, 64) };
        await model.RunAsync(inputs);
        var (chargedBefore, countedBefore) = (scheduler.UsageOf(entry)!, ledger.Lease(entry.Id));

        for (var run = 0; run < 5; run++)
        {
            await model.RunAsync(inputs);
        }

        var (charged, counted) = (scheduler.UsageOf(entry)!, ledger.Lease(entry.Id));
        Assert.Equal(5, charged.Runs - chargedBefore.Runs);
        Assert.Equal(5, counted.Runs - countedBefore.Runs);
        Assert.True(charged.ExecutionTime > chargedBefore.ExecutionTime);
        Assert.Equal(charged.ExecutionTime - chargedBefore.ExecutionTime, counted.Time - countedBefore.Time);
    }
}
