using GpuPool.OnnxRuntime;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Placement;
using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuPool.Benchmarks.Multiplexing;

/// <summary>The real engine on the CPU device: lease table, fair scheduler, model host with ONNX Runtime.</summary>
internal sealed class MultiplexingRig : IDisposable
{
    public MultiplexingRig(int? slots = null, bool direct = false)
    {
        Device = new DeviceDescriptor
        {
            Id = "cpu0",
            Node = "bench",
            Kind = DeviceKind.Cpu,
            Vendor = DeviceVendor.Other,
            Model = "CPU",
            TotalMemoryBytes = ByteSize.GiB(8),
            ComputeUnits = Environment.ProcessorCount,
        };
        Table = new LeaseTable([new NodeCapacity("bench", [Device])], new BestFitPolicy(), new LeaseTableSettings(), TimeProvider.System, NullLogger<LeaseTable>.Instance, RuntimeMetrics.CreateDetached());
        Scheduler = new FairDeviceScheduler(Options.Create(new FairSchedulerOptions { CpuConcurrentRuns = slots }), TimeProvider.System);
        Measured = new MeasuringScheduler(direct ? new DirectDeviceScheduler() : Scheduler);
        Workers = new WorkerSupervisor(Options.Create(new WorkerOptions()), NullLogger<WorkerSupervisor>.Instance);
        Host = new ModelHost([new OnnxModelBackend()], Measured, Table, RuntimeMetrics.CreateDetached(), NullLogger<ModelHost>.Instance, Options.Create(new ModelHostOptions()), Workers);
    }

    public DeviceDescriptor Device { get; }

    public LeaseTable Table { get; }

    public FairDeviceScheduler Scheduler { get; }

    /// <summary>The scheduler runs go through (the fair one, or the direct baseline), measured by the benchmark.</summary>
    public MeasuringScheduler Measured { get; }

    public ModelHost Host { get; }

    public WorkerSupervisor Workers { get; }

    public LeaseEntry Lease(int milli, LeasePriority priority = LeasePriority.Normal, LeaseIsolation isolation = LeaseIsolation.Shared) =>
        Table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(256), milli) with { Priority = priority, Isolation = isolation })
        ?? throw new InvalidOperationException($"No room for a {milli} milli lease.");

    public LoadedModel Load(LeaseEntry lease, byte[] model, BatchingOptions? batching = null) =>
        Host.Load(lease, model, new ModelOptions { Format = ModelFormat.Onnx, Batching = batching }, "bench");

    public TimeSpan Executed(LeaseEntry lease) => Measured.Executed(lease);

    public long Runs(LeaseEntry lease) => Measured.Runs(lease);

    public void Dispose()
    {
        Workers.Dispose();
        Scheduler.Dispose();
        Table.Dispose();
    }
}
