using System.Collections.Concurrent;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Scheduling;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Scheduling;

/// <summary>
/// A simulated device behind a <see cref="FairDeviceScheduler"/> on a fake clock: every run "executes"
/// by advancing the clock by its duration, so measured execution time and the scheduler's decisions are
/// deterministic. With one run slot, runs are serial and the order the scheduler picks is recorded.
/// </summary>
internal sealed class FakeDevice : IDisposable
{
    private readonly ConcurrentQueue<string> _order = new();

    public FakeDevice(int slots = 1, Action<FairSchedulerOptions>? configure = null)
    {
        var options = new FairSchedulerOptions { GpuConcurrentRuns = slots };
        configure?.Invoke(options);
        Table = TestPool.Table(Time, TestPool.Device("gpu0"));
        Scheduler = new FairDeviceScheduler(Options.Create(options), Time);
    }

    public FakeTimeProvider Time { get; } = new();

    public LeaseTable Table { get; }

    public FairDeviceScheduler Scheduler { get; }

    /// <summary>Lease ids in the order their runs executed.</summary>
    public IReadOnlyList<string> Order => [.. _order];

    public LeaseEntry Lease(int milli, LeasePriority priority = LeasePriority.Normal, bool hardCap = false) =>
        Table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(64), milli) with { Priority = priority, HardCap = hardCap })
        ?? throw new InvalidOperationException("No room for the lease.");

    /// <summary>Queues a run that takes <paramref name="milliseconds"/> of device time.</summary>
    public Task<int> Run(LeaseEntry lease, int milliseconds = 10, CancellationToken cancellationToken = default) =>
        Scheduler.RunAsync(
            lease,
            context =>
            {
                _order.Enqueue(lease.Id);
                Time.Advance(TimeSpan.FromMilliseconds(milliseconds));
                return context.IntraOpThreads;
            },
            cancellationToken).AsTask();

    /// <summary>Starts a run of <paramref name="lease"/> that holds its slot until <see cref="SlotHold.ReleaseAsync"/>; returns once it runs.</summary>
    public SlotHold Hold(LeaseEntry lease)
    {
        var hold = new SlotHold();
        hold.Run = Task.Run(() => Scheduler.RunAsync(
            lease,
            _ =>
            {
                hold.Started.Set();
                hold.Release.Wait(TimeSpan.FromSeconds(30));
                return 0;
            }).AsTask());
        hold.Started.Wait(TimeSpan.FromSeconds(30));
        return hold;
    }

    public static int Count(IEnumerable<string> order, LeaseEntry lease) => order.Count(id => id == lease.Id);

    public void Dispose()
    {
        Scheduler.Dispose();
        Table.Dispose();
    }
}
