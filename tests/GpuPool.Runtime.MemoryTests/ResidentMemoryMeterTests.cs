using GpuPool.OnnxRuntime;
using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Tests.Sharing;
using GpuPool.Runtime.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Tests.Memory;

/// <summary>The real meter around real ONNX Runtime sessions (figures are asserted as bounds, not timed).</summary>
[Collection(GpuPool.Runtime.Tests.Memory.ProcessMemoryTestGroup.Name)]
public sealed class ResidentMemoryMeterTests
{
    private static readonly DeviceDescriptor Cpu = TestPool.Cpu(1024);

    // Settled again right before each measured step: a garbage collection between the constructor and the step would otherwise land inside it.
    public ResidentMemoryMeterTests() => QuietProcess.Settle();

    [Fact]
    public void Measure_OnnxModelWithWeights_ReportsAtLeastTheWeightsItHolds()
    {
        var bytes = TestModels.MatMulChain(512, 4);
        var backend = new OnnxModelBackend();
        var context = new ModelLoadContext
        {
            Bytes = bytes,
            Device = Cpu,
            MemoryLimitBytes = ByteSize.GiB(1),
            IntraOpThreads = 1,
            Options = new ModelOptions(),
        };

        QuietProcess.Settle();
        var footprint = new ResidentMemoryMeter().Measure(() => backend.Load(context), 1);
        using var instance = footprint.Instance;

        // 4 MiB of weights, held once by ONNX Runtime (and pre-packed for its GEMM): well over 3 MiB, well under 256 MiB.
        Assert.InRange(footprint.MeasuredBytes, ByteSize.MiB(3), ByteSize.MiB(256));
    }

    [Fact]
    public async Task Run_BatchFarLargerThanWarmUp_ChargesTheWorkingMemoryItGrew()
    {
        using var fixture = new HostFixture(new OnnxModelBackend(), device: Cpu);
        var lease = fixture.Lease(512);
        var model = fixture.Load(lease, TestModels.MatMulChain(512, 2));
        var loaded = lease.MemoryUsedBytes;

        _ = await model.RunAsync(Rows(1));
        Assert.Equal(loaded, lease.MemoryUsedBytes);

        // 4096 rows of 512 floats: the hidden activation alone is 8 MiB of ONNX Runtime's arena that a batch-1 warm-up never grew.
        QuietProcess.Settle();
        _ = await model.RunAsync(Rows(4096));

        Assert.InRange(lease.MemoryUsedBytes - loaded, ByteSize.MiB(8), ByteSize.MiB(256));
        Assert.Equal(lease.MemoryUsedBytes, model.MemoryBytes);
        Assert.Equal(model.MemoryBytes, fixture.Host.Catalog.ResidentBytes(Cpu.Id));
        model.Unload();
        Assert.Equal(0, lease.MemoryUsedBytes);
    }

    [Fact]
    public void Measure_LoadThrows_Rethrows()
    {
        var error = Assert.Throws<InvalidPoolRequestException>(() => new ResidentMemoryMeter().Measure(() => throw new InvalidPoolRequestException("bad"), 1));

        Assert.Equal("bad", error.Message);
    }

    [Fact]
    public void ModelWarmUp_ModelWithDynamicBatch_RunsOnZeros()
    {
        using var fixture = new HostFixture(new OnnxModelBackend());
        var lease = fixture.Lease(64);
        var model = fixture.Load(lease, TestModels.Linear(8, 4));

        Assert.True(ModelWarmUp.TryRun(model.Instance, 1));
    }

    [Fact]
    public void Load_ProcessIsolated_ChargesWorkersMeasuredGrowthPlusTheBytesKeptForRestarts()
    {
        using var workers = new WorkerSupervisor(Options.Create(new WorkerOptions()), NullLogger<WorkerSupervisor>.Instance);
        using var fixture = new HostFixture(new OnnxModelBackend(), workers: workers, time: TimeProvider.System, device: Cpu);
        var lease = fixture.Lease(256, isolation: LeaseIsolation.Process);
        var bytes = TestModels.MatMulChain(512, 4);

        QuietProcess.Settle();
        var model = fixture.Load(lease, bytes);

        var measured = ((IsolatedModelInstance)model.Instance).MeasuredBytes;
        Assert.InRange(measured, ByteSize.MiB(3), ByteSize.MiB(256));
        Assert.Equal(measured + bytes.Length, model.MemoryBytes);
        Assert.Equal(model.MemoryBytes, lease.MemoryUsedBytes);
    }

    [Fact]
    public void WorkerEnvironment_CpuLease_CapsDataMemoryAtQuotaPlusHeadroom()
    {
        using var fixture = new HostFixture(new OnnxModelBackend(), device: Cpu);
        var lease = fixture.Lease(64, isolation: LeaseIsolation.Process);

        var capped = WorkerEnvironment.For(lease, mpsAvailable: false, ByteSize.MiB(256));
        var uncapped = WorkerEnvironment.For(lease, mpsAvailable: false, 0);

        Assert.Equal((ByteSize.MiB(64) + ByteSize.MiB(256)).ToString(System.Globalization.CultureInfo.InvariantCulture), capped[WorkerEnvironment.DataLimitVariable]);
        Assert.False(uncapped.ContainsKey(WorkerEnvironment.DataLimitVariable));
    }

    [Fact]
    public void Load_WorkerCappedBelowTheModel_FailsTheLoadWithQuotaExceededAndChargesNothing()
    {
        // 64 MiB of weights in a worker capped at its 96 MiB lease plus 96 MiB: ONNX Runtime needs them about three times over while loading.
        using var workers = new WorkerSupervisor(Options.Create(new WorkerOptions { MemoryCapHeadroomBytes = ByteSize.MiB(96) }), NullLogger<WorkerSupervisor>.Instance);
        using var fixture = new HostFixture(new OnnxModelBackend(), workers: workers, time: TimeProvider.System, device: Cpu);
        var lease = fixture.Lease(96, isolation: LeaseIsolation.Process);

        var bytes = TestModels.MatMulChain(2048, 4);

        QuietProcess.Settle();
        var error = Assert.Throws<QuotaExceededException>(() => fixture.Load(lease, bytes));

        Assert.Contains("memory cap", error.Message, StringComparison.Ordinal);

        Assert.Equal(0, lease.MemoryUsedBytes);
    }

    private static Dictionary<string, TensorValue> Rows(int rows) =>
        new(StringComparer.Ordinal) { ["x"] = TensorValue.FromArray(new float[rows * 512], rows, 512) };
}
