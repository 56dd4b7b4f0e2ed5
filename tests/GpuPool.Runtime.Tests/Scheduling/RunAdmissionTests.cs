namespace GpuPool.Runtime.Tests.Scheduling;

/// <summary>How a run is admitted: at once on the caller's thread when a slot is free and nobody waits, queued otherwise.</summary>
public sealed class RunAdmissionTests
{
    [Fact]
    public async Task RunAsync_FreeSlotAndNobodyWaiting_RunsOnTheCallersThread()
    {
        using var device = new FakeDevice();
        var lease = device.Lease(500);
        var caller = Environment.CurrentManagedThreadId;

        var run = device.Scheduler.RunAsync(lease, _ => Environment.CurrentManagedThreadId).AsTask();

        Assert.True(run.IsCompletedSuccessfully);
        Assert.Equal(caller, await run);
        Assert.Equal(1, device.Scheduler.UsageOf(lease)!.Runs);
    }

    [Fact]
    public async Task RunAsync_LeaseRevokedWhileQueued_EndsWithTheLeasesLostToken()
    {
        using var device = new FakeDevice();
        var holder = device.Lease(500);
        var lease = device.Lease(500);
        using var hold = device.Hold(holder);
        var queued = device.Run(lease);

        device.Table.Revoke(lease);

        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.Equal(lease.LostToken, cancelled.CancellationToken);
        Assert.Equal(0, device.Scheduler.UsageOf(lease)?.Queued ?? 0);
        await hold.ReleaseAsync([]);
        Assert.DoesNotContain(lease.Id, device.Order);
    }

    [Fact]
    public async Task RunAsync_ThrowingWork_FaultsTheReturnedTaskAndFreesTheSlot()
    {
        using var device = new FakeDevice();
        var lease = device.Lease(500);

        var failed = device.Scheduler.RunAsync<int>(lease, _ => throw new InvalidOperationException("model failed")).AsTask();

        Assert.True(failed.IsFaulted);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        await device.Run(lease);
        Assert.Single(device.Order);
    }
}
