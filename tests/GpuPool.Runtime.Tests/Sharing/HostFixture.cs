using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Sharing;

/// <summary>A model host over one simulated device with a fake clock and the fair scheduler.</summary>
internal sealed class HostFixture : IDisposable
{
    public HostFixture(IModelBackend backend, long deviceGiB = 1, long unusedCacheBytes = 0, WorkerSupervisor? workers = null, TimeProvider? time = null, DeviceDescriptor? device = null, IModelMemoryMeter? meter = null)
    {
        Time = time ?? new FakeTimeProvider();
        Table = new LeaseTable(
            [new Placement.NodeCapacity("node-a", [device ?? TestPool.Device("gpu0", deviceGiB)])],
            new Placement.BestFitPolicy(),
            new LeaseTableSettings(),
            Time,
            NullLogger<LeaseTable>.Instance,
            RuntimeMetrics.CreateDetached());
        Scheduler = new FairDeviceScheduler(Options.Create(new FairSchedulerOptions()), Time);
        Host = new ModelHost(
            [backend],
            Scheduler,
            Table,
            RuntimeMetrics.CreateDetached(),
            NullLogger<ModelHost>.Instance,
            Options.Create(new ModelHostOptions { UnusedModelCacheBytes = unusedCacheBytes }),
            workers,
            meter ?? new ResidentMemoryMeter());
    }

    public TimeProvider Time { get; }

    public LeaseTable Table { get; }

    public FairDeviceScheduler Scheduler { get; }

    public ModelHost Host { get; }

    public LeaseEntry Lease(long mebibytes, int milli = 250, LeaseIsolation isolation = LeaseIsolation.Shared) =>
        Table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(mebibytes), milli) with { Isolation = isolation })
        ?? throw new InvalidOperationException("No room for the lease.");

    public LoadedModel Load(LeaseEntry lease, byte[] bytes, BatchingOptions? batching = null) =>
        Host.Load(lease, bytes, new ModelOptions { Format = ModelFormat.Onnx, Batching = batching }, "model");

    public void Dispose()
    {
        Scheduler.Dispose();
        Table.Dispose();
    }
}
