using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Tests.Persistence;

public sealed class LeaseRestoreTests : IDisposable
{
    private readonly JournalDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Start_AfterCleanShutdown_RestoresLiveLeasesWithSameIdsTokensDevicesAndExpiry()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var share = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(10), 300) with { TimeToLive = TimeSpan.FromMinutes(1) }, "tenant-a")!;
        var whole = first.Table.TryGrant(SliceRequest.ForDevices(2), "tenant-b")!;
        var released = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100), "tenant-a")!;
        time.Advance(TimeSpan.FromSeconds(30));
        first.Table.Renew(share, TimeSpan.FromMinutes(2));
        first.Table.Release(released);
        var inventoryBefore = first.Table.GetInventory();
        JournalDirectory.Stop(first);

        var second = _dir.Start(time);

        Assert.Equal(2, second.Table.RestoredCount);
        var restored = second.Table.List().OrderBy(l => l.FencingToken).ToArray();
        Assert.Equal([share.Id, whole.Id], restored.Select(l => l.Id));
        Assert.Equal([share.FencingToken, whole.FencingToken], restored.Select(l => l.FencingToken));
        Assert.Equal(["tenant-a", "tenant-b"], restored.Select(l => l.Tenant));
        Assert.Equal(share.Devices.Select(d => d.Id), restored[0].Devices.Select(d => d.Id));
        Assert.Equal(whole.Devices.Select(d => d.Id), restored[1].Devices.Select(d => d.Id));
        Assert.Equal(share.ExpiresAt, restored[0].ExpiresAt);
        Assert.Equal(TimeSpan.FromMinutes(2), restored[0].TimeToLive);
        Assert.Equal(share.GrantedAt, restored[0].GrantedAt);
        Assert.Equal(whole.ExpiresAt, restored[1].ExpiresAt);
        Assert.Equal(share.Request, restored[0].Request);
        Assert.False(second.Table.TryGet(released.Id, out _));
        var inventoryAfter = second.Table.GetInventory();
        Assert.Equal(
            inventoryBefore.Devices.Select(d => (d.Device.Id, d.AllocatedMemoryBytes, d.AllocatedMilli, d.ActiveLeases)),
            inventoryAfter.Devices.Select(d => (d.Device.Id, d.AllocatedMemoryBytes, d.AllocatedMilli, d.ActiveLeases)));
        Assert.Equal(new TenantUsage(1, ByteSize.GiB(10), 300), second.Table.GetUsage("tenant-a"));
    }

    [Fact]
    public void Start_AfterDowntime_KeepsRemainingTimeToLiveAndExpiresOnSchedule()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var lease = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(4), 250) with { TimeToLive = TimeSpan.FromSeconds(60) })!;
        time.Advance(TimeSpan.FromSeconds(20));
        JournalDirectory.Stop(first);
        time.Advance(TimeSpan.FromSeconds(10)); // down for 10 s: the lease has 30 s left

        var second = _dir.Start(time);
        Assert.True(second.Table.TryGet(lease.Id, out var restored));
        Assert.Equal(TimeSpan.FromSeconds(30), restored.ExpiresAt - time.GetUtcNow());

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(restored.IsActive);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(restored.IsActive);
        Assert.Equal(LeaseLostReason.Expired, restored.LostReason);
        JournalDirectory.Stop(second);

        // The expiry was journaled: a third start restores nothing.
        var third = _dir.Start(time);
        Assert.Equal(0, third.Table.Count);
    }

    [Fact]
    public void Start_LeaseExpiredWhileDown_IsNotRestoredAndItsSliceIsFree()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var lease = first.Table.TryGrant(SliceRequest.ForDevices(4) with { TimeToLive = TimeSpan.FromSeconds(30) })!;
        JournalDirectory.Stop(first);
        time.Advance(TimeSpan.FromSeconds(31));

        var second = _dir.Start(time);

        Assert.Equal(0, second.Table.Count);
        Assert.False(second.Table.TryGet(lease.Id, out _));
        Assert.NotNull(second.Table.TryGrant(SliceRequest.ForDevices(4)));
    }

    [Fact]
    public void Start_WholeDevicesRestored_SameSliceIsNotGrantedTwice()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var held = first.Table.TryGrant(SliceRequest.ForDevices(3))!;
        var share = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(60), 900))!;
        JournalDirectory.Stop(first);

        var second = _dir.Start(time);

        Assert.Null(second.Table.TryGrant(SliceRequest.ForDevices(1)));
        Assert.Null(second.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(30), 100)));
        Assert.NotNull(second.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(20), 100)));
        Assert.Equal(held.Devices.Concat(share.Devices).Select(d => d.Id).Order(), JournalDirectory.Devices.Select(d => d.Id));
    }

    [Fact]
    public void Start_AfterRestart_FencingContinuesAboveEveryTokenEverIssued()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var tokens = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var lease = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 10))!;
            tokens.Add(lease.FencingToken);
            first.Table.Release(lease); // ended: no row left, only the high-water mark
        }

        JournalDirectory.Stop(first);

        var second = _dir.Start(time);
        var next = second.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 10))!;

        Assert.Equal(0, second.Table.RestoredCount);
        Assert.True(next.FencingToken > tokens.Max(), $"token {next.FencingToken} must exceed {tokens.Max()}");
    }

    [Fact]
    public void TryGrant_RetriedAfterRestart_ReturnsTheSameLease()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var request = SliceRequest.ForShare(ByteSize.GiB(8), 500) with { ClientRequestId = "acquire-42" };
        var original = first.Table.TryGrant(request, "tenant-a")!;
        JournalDirectory.Stop(first);

        var second = _dir.Start(time);
        var retried = second.Table.TryGrant(request, "tenant-a")!;
        var otherTenant = second.Table.TryGrant(request, "tenant-b")!;

        Assert.Equal(original.Id, retried.Id);
        Assert.Equal(original.FencingToken, retried.FencingToken);
        Assert.NotEqual(original.Id, otherTenant.Id);
        Assert.Equal(2, second.Table.Count);
    }

    [Fact]
    public async Task GrantAsync_RetriedAfterRestart_ReturnsTheSameLease()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var request = SliceRequest.ForDevices(1) with { ClientRequestId = "async-1", WaitTimeout = TimeSpan.FromSeconds(5) };
        var original = await first.Table.GrantAsync(request, "t");
        JournalDirectory.Stop(first);

        var second = _dir.Start(time);
        var retried = await second.Table.GrantAsync(request, "t");

        Assert.Equal(original.Id, retried.Id);
        Assert.Equal(1, second.Table.Count);
    }

    [Fact]
    public void Start_DeviceNoLongerInInventory_DropsOnlyThatLease()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var onFirst = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "sim0" } })!;
        var onLast = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "sim3" } })!;
        JournalDirectory.Stop(first);

        var second = _dir.Start(time, devices: JournalDirectory.Devices[..3]);

        Assert.True(second.Table.TryGet(onFirst.Id, out _));
        Assert.False(second.Table.TryGet(onLast.Id, out _));
        Assert.Equal(1, second.Table.RestoredCount);
    }
}
