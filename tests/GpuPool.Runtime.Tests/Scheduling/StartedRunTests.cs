using GpuPool.Runtime.Scheduling;

namespace GpuPool.Runtime.Tests.Scheduling;

/// <summary>
/// Runs the scheduler starts at once for the caller to execute (<see cref="IDeviceScheduler.TryStartRun"/>): only on a
/// free slot with nobody waiting, measured from start to end and charged to the lease as a run through RunAsync is.
/// </summary>
public sealed class StartedRunTests
{
    [Fact]
    public void TryStartRun_FreeSlot_EndRunChargesTheMeasuredTime()
    {
        using var device = new FakeDevice();
        var lease = device.Lease(500);

        Assert.True(device.Scheduler.TryStartRun(lease, out var run));
        device.Time.Advance(TimeSpan.FromMilliseconds(30));
        var measured = device.Scheduler.EndRun(run);

        Assert.Equal(TimeSpan.FromMilliseconds(30), measured);
        var usage = device.Scheduler.UsageOf(lease)!;
        Assert.Equal(1, usage.Runs);
        Assert.Equal(TimeSpan.FromMilliseconds(30), usage.ExecutionTime);
    }

    [Fact]
    public async Task TryStartRun_SlotsTaken_RefusesAndTheRunQueuesInstead()
    {
        using var device = new FakeDevice();
        var holder = device.Lease(500);
        var lease = device.Lease(500);
        using var hold = device.Hold(holder);

        Assert.False(device.Scheduler.TryStartRun(lease, out _));

        var queued = device.Run(lease);
        await hold.ReleaseAsync([queued]);
        Assert.Equal([lease.Id], device.Order);
        Assert.True(device.Scheduler.TryStartRun(lease, out var run));
        device.Scheduler.EndRun(run);
        Assert.Equal(2, device.Scheduler.UsageOf(lease)!.Runs);
    }

    [Fact]
    public async Task TryStartRun_StartedRunHoldsTheSlot_OthersWaitUntilItEnds()
    {
        using var device = new FakeDevice();
        var first = device.Lease(500);
        var second = device.Lease(500);
        Assert.True(device.Scheduler.TryStartRun(first, out var run));

        var waiting = device.Run(second);
        Assert.False(waiting.IsCompleted);
        Assert.False(device.Scheduler.TryStartRun(first, out _));

        device.Scheduler.EndRun(run);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([second.Id], device.Order);
    }
}
