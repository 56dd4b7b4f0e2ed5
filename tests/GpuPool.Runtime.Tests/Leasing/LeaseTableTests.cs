using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Leasing;

public sealed class LeaseTableTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryGrant_FreeDevice_GrantsRequestedSlice()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));

        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(10), 250) with { TimeToLive = TimeSpan.FromMinutes(1) });

        Assert.NotNull(lease);
        Assert.Equal("gpu0", lease.Devices[0].Id);
        Assert.Equal(ByteSize.GiB(10), lease.Allocation.MemoryBytes);
        Assert.Equal(250, lease.Allocation.Milli);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(1), lease.ExpiresAt);
        Assert.StartsWith("ls_", lease.Id, StringComparison.Ordinal);
        Assert.Equal(35, lease.Id.Length);
        var status = Assert.Single(table.GetInventory().Devices);
        Assert.Equal(250, status.AllocatedMilli);
        Assert.Equal(ByteSize.GiB(70), status.FreeMemoryBytes);
    }

    [Fact]
    public void TryGrant_TwoLeases_GetDistinctIdsAndGrowingFencingTokens()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));

        var first = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!;
        var second = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!;

        Assert.NotEqual(first.Id, second.Id);
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact]
    public void TryGrant_NoCapacity_ReturnsNullWithoutWaiting()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        Assert.NotNull(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 800)));

        Assert.Null(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 300)));
        Assert.Null(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(80), 100)));
    }

    [Fact]
    public void Release_Twice_IsIdempotentAndFreesCapacityOnce()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(40), 600))!;
        var other = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(20), 300))!;

        Assert.True(table.Release(lease));
        Assert.False(table.Release(lease));

        var status = Assert.Single(table.GetInventory().Devices);
        Assert.Equal(300, status.AllocatedMilli);
        Assert.Equal(ByteSize.GiB(20), status.AllocatedMemoryBytes);
        Assert.Equal(LeaseState.Released, lease.State);
        Assert.False(lease.LostToken.IsCancellationRequested);
        Assert.True(other.IsActive);
    }

    [Fact]
    public void Expiry_TimeToLivePasses_LeaseIsReclaimedAndTokenFires()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(40), 1000) with { TimeToLive = TimeSpan.FromSeconds(30) })!;
        var observer = new RecordingLeaseEndObserver(LeaseEndStage.Models, "models", []);
        table.AddEndObserver(observer);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(lease.IsActive);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(lease.IsActive);
        Assert.Equal(LeaseLostReason.Expired, lease.LostReason);
        Assert.True(lease.LostToken.IsCancellationRequested);
        Assert.Same(lease, Assert.Single(observer.Ended));
        Assert.Equal(0, table.Count);
        Assert.NotNull(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(80), 1000)));
        var error = Assert.Throws<LeaseLostException>(() => table.Renew(lease));
        Assert.Equal(LeaseLostReason.Expired, error.Reason);
    }

    [Fact]
    public void Renew_BeforeExpiry_ExtendsLease()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { TimeToLive = TimeSpan.FromSeconds(30) })!;

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(20));
            table.Renew(lease);
        }

        Assert.True(lease.IsActive);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), lease.ExpiresAt);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(lease.IsActive);
    }

    [Fact]
    public void Renew_WithShorterTimeToLive_ExpiresAtTheNewTime()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { TimeToLive = TimeSpan.FromMinutes(10) })!;

        table.Renew(lease, TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(lease.IsActive);
    }

    [Fact]
    public async Task GrantAsync_NoCapacity_WaitsUntilRelease()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var holder = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 1000))!;

        var waiting = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 500)).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, table.WaitingCount);

        table.Release(holder);
        var granted = await waiting;

        Assert.True(granted.IsActive);
        Assert.Equal(0, table.WaitingCount);
    }

    [Fact]
    public async Task GrantAsync_Waiters_HighPriorityServedBeforeEarlierNormal()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var holder = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 1000))!;
        var normal = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 1000)).AsTask();
        var low = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 1000) with { Priority = LeasePriority.Low }).AsTask();
        var high = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 1000) with { Priority = LeasePriority.High }).AsTask();

        table.Release(holder);
        var first = await high;
        Assert.False(normal.IsCompleted);
        table.Release(first);
        var second = await normal;
        Assert.False(low.IsCompleted);
        table.Release(second);

        Assert.True((await low).IsActive);
    }

    [Fact]
    public async Task GrantAsync_SamePriority_ServedInArrivalOrder()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var holder = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 1000))!;
        var waiters = Enumerable.Range(0, 5).Select(_ => table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 1000)).AsTask()).ToArray();

        var current = holder;
        for (var i = 0; i < waiters.Length; i++)
        {
            table.Release(current);
            current = await waiters[i];
            Assert.All(waiters.Skip(i + 1), w => Assert.False(w.IsCompleted));
        }
    }

    [Fact]
    public void TryGrant_WhileOthersWait_DoesNotJumpTheQueue()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var holder = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 600))!;
        var waiting = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 600)).AsTask();

        Assert.Null(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100)));
        Assert.NotNull(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Priority = LeasePriority.High }));
        Assert.True(holder.IsActive);
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task GrantAsync_WaitTimeoutPasses_ThrowsTimeoutAndLeavesQueue()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var holder = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 1000))!;
        var waiting = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 500) with { WaitTimeout = TimeSpan.FromSeconds(10) }).AsTask();

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<LeaseTimeoutException>(() => waiting);
        Assert.NotNull(error.RetryAfter);
        Assert.Equal(0, table.WaitingCount);
        table.Release(holder);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public async Task GrantAsync_ZeroWaitTimeout_FailsAtOnce()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 1000));

        await Assert.ThrowsAsync<LeaseTimeoutException>(() => table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 1) with { WaitTimeout = TimeSpan.Zero }).AsTask());
    }

    [Fact]
    public async Task GrantAsync_Cancelled_ThrowsAndNeverGrantsLater()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var holder = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 1000))!;
        using var cts = new CancellationTokenSource();
        var waiting = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 500), "", cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        table.Release(holder);
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.WaitingCount);
    }

    [Fact]
    public async Task GrantAsync_LargeWaiterAtHead_SmallerOneBehindIsServedWhenItFits()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var a = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 500))!;
        table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 500));
        var big = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 1000)).AsTask();
        var small = table.GrantAsync(SliceRequest.ForShare(ByteSize.GiB(1), 400)).AsTask();

        table.Release(a);

        Assert.True((await small).IsActive);
        Assert.False(big.IsCompleted);
    }

    [Fact]
    public void WholeDevices_TakesEntirelyFreeDevicesOfOneNode()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"), TestPool.Device("gpu1"), TestPool.Device("gpu2"));
        table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 10));

        var lease = table.TryGrant(SliceRequest.ForDevices(2));

        Assert.NotNull(lease);
        Assert.Equal(2, lease.Devices.Count);
        Assert.Equal(ByteSize.GiB(80), lease.Allocation.MemoryBytes);
        Assert.Null(table.TryGrant(SliceRequest.ForDevices(1)));
    }

    [Fact]
    public void TryGrant_SameClientRequestId_ReturnsTheSameLease()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var request = SliceRequest.ForShare(ByteSize.GiB(1), 100) with { ClientRequestId = "retry-1" };

        var first = table.TryGrant(request, "tenant-a")!;
        var retried = table.TryGrant(request, "tenant-a")!;
        var otherTenant = table.TryGrant(request, "tenant-b")!;

        Assert.Same(first, retried);
        Assert.NotSame(first, otherTenant);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void SetDraining_Device_NoNewLeasesThereAndExistingStay()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"), TestPool.Device("gpu1"));
        var onGpu0 = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "gpu0" } })!;

        Assert.True(table.SetDraining("node-a", "gpu0", draining: true));
        var next = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!;

        Assert.Equal("gpu1", next.Devices[0].Id);
        Assert.True(onGpu0.IsActive);
        Assert.Null(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "gpu0" } }));
        Assert.False(table.SetDraining("node-a", "nope", draining: true));
    }

    [Fact]
    public void Revoke_ActiveLease_FiresTokenWithRevokedReason()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!;

        Assert.True(table.Revoke(lease));

        Assert.Equal(LeaseLostReason.Revoked, lease.LostReason);
        Assert.True(lease.LostToken.IsCancellationRequested);
        Assert.Throws<LeaseLostException>(lease.EnsureActive);
    }

    [Fact]
    public void SetExternalMemory_UsedOutsidePool_IsNotHandedOut()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));

        table.SetExternalMemory("node-a", "gpu0", ByteSize.GiB(50));

        Assert.Null(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(31), 100)));
        Assert.NotNull(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(30), 100)));
        Assert.Equal(ByteSize.GiB(50), table.GetInventory().Devices[0].ExternalMemoryBytes);
    }
}
