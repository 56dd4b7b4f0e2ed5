using GpuPool.Runtime.Scheduling;

namespace GpuPool.Runtime.Tests.Scheduling;

public sealed class FairDeviceSchedulerTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_ThreeSaturatingLeases_ExecutionTimeFollowsShares()
    {
        using var device = new FakeDevice();
        var a = device.Lease(200);
        var b = device.Lease(300);
        var c = device.Lease(500);
        using var hold = device.Hold(a);
        var runs = new List<Task<int>>();
        for (var i = 0; i < 100; i++)
        {
            runs.Add(device.Run(a));
            runs.Add(device.Run(b));
            runs.Add(device.Run(c));
        }

        await hold.ReleaseAsync(runs);

        // The first 100 runs after the blocker: every lease is backlogged throughout.
        var window = device.Order.Take(100).ToList();
        Assert.InRange(FakeDevice.Count(window, a), 18, 22);
        Assert.InRange(FakeDevice.Count(window, b), 28, 32);
        Assert.InRange(FakeDevice.Count(window, c), 48, 52);
    }

    [Fact]
    public async Task RunAsync_OnlyOneLeaseBusy_GetsWholeDevice()
    {
        using var device = new FakeDevice();
        var small = device.Lease(200);
        var idle = device.Lease(800);
        await device.Run(idle).WaitAsync(Guard);
        var before = device.Time.GetUtcNow();

        // Nothing but the runs themselves advances the clock: a scheduler that held the lease to its
        // 20 % would never run the rest, and the wait would time out.
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => device.Run(small))).WaitAsync(Guard);

        Assert.Equal(TimeSpan.FromMilliseconds(500), device.Time.GetUtcNow() - before);
        Assert.Equal(50, device.Scheduler.UsageOf(small)!.Runs);
    }

    [Fact]
    public async Task RunAsync_HardCap_WaitsForItsShareEvenWhenIdle()
    {
        using var device = new FakeDevice();
        var capped = device.Lease(200, hardCap: true);
        var runs = Enumerable.Range(0, 5).Select(_ => device.Run(capped)).ToList();
        Assert.Equal(5, device.Scheduler.UsageOf(capped)!.Queued);

        device.Time.Advance(TimeSpan.FromMilliseconds(1));
        await runs[0].WaitAsync(Guard);

        // 10 ms executed at 20 % of the device: about 50 ms of wall time before the next run.
        device.Time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(4, device.Scheduler.UsageOf(capped)!.Queued);
        Assert.False(runs[1].IsCompleted);
        device.Time.Advance(TimeSpan.FromMilliseconds(20));
        await runs[1].WaitAsync(Guard);
        Assert.Equal(3, device.Scheduler.UsageOf(capped)!.Queued);
    }

    [Fact]
    public async Task RunAsync_HighPriority_GoesBeforeQueuedNormalRuns()
    {
        using var device = new FakeDevice();
        var normal = device.Lease(500);
        var high = device.Lease(100, LeasePriority.High);
        using var hold = device.Hold(normal);
        var runs = Enumerable.Range(0, 3).Select(_ => device.Run(normal)).ToList();
        runs.Add(device.Run(high));

        await hold.ReleaseAsync(runs);

        Assert.Equal(high.Id, device.Order[0]);
    }

    [Fact]
    public async Task RunAsync_LowPriorityLease_LosesBorrowedCapacityFirst()
    {
        using var device = new FakeDevice();
        var low = device.Lease(300, LeasePriority.Low);
        var normal = device.Lease(300);
        _ = device.Lease(400); // holds the rest of the device and stays idle
        using var hold = device.Hold(normal);
        var runs = new List<Task<int>>();
        for (var i = 0; i < 100; i++)
        {
            runs.Add(device.Run(low));
            runs.Add(device.Run(normal));
        }

        await hold.ReleaseAsync(runs);

        // The idle 40 % goes to the Normal lease; the Low lease keeps its guaranteed 30 %.
        var window = device.Order.Take(100).ToList();
        Assert.InRange(FakeDevice.Count(window, low), 27, 33);
        Assert.InRange(FakeDevice.Count(window, normal), 67, 73);
    }

    [Fact]
    public async Task RunAsync_QueueFull_RejectsWithRetryAfter()
    {
        using var device = new FakeDevice(configure: o => o.MaxQueuedPerLease = 2);
        var lease = device.Lease(500);
        using var hold = device.Hold(lease);
        var queued = new[] { device.Run(lease), device.Run(lease) };

        var rejected = await Assert.ThrowsAsync<CapacityExceededException>(() => device.Run(lease));

        Assert.NotNull(rejected.RetryAfter);
        Assert.True(rejected.RetryAfter > TimeSpan.Zero);
        Assert.Contains("2 per lease", rejected.Message, StringComparison.Ordinal);
        await hold.ReleaseAsync(queued);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileQueued_LeavesQueueAndOthersRun()
    {
        using var device = new FakeDevice();
        var lease = device.Lease(500);
        using var hold = device.Hold(lease);
        using var cts = new CancellationTokenSource();
        var cancelled = device.Run(lease, cancellationToken: cts.Token);
        var next = device.Run(lease);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, device.Scheduler.UsageOf(lease)!.Queued);
        await hold.ReleaseAsync([next]);
        Assert.Single(device.Order);
    }

    [Fact]
    public async Task RunAsync_CpuDevice_DividesCoresAmongSlots()
    {
        using var device = new FakeDevice(configure: o => o.GpuConcurrentRuns = 2);
        var lease = device.Lease(500);

        var threads = await device.Run(lease).WaitAsync(Guard);

        // The simulated device has 4 compute units and 2 slots.
        Assert.Equal(2, threads);
        Assert.Equal(2, device.Scheduler.IntraOpThreadsFor(lease));
    }
}
