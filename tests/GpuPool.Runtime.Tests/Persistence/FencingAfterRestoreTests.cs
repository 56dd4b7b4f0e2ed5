namespace GpuPool.Runtime.Tests.Persistence;

public sealed class FencingAfterRestoreTests : IDisposable
{
    private readonly JournalDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void FindFenced_AfterRestart_AcceptsTheGrantedTokenAndRejectsAStaleOne()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var lease = first.Table.TryGrant(SliceRequest.ForDevices(1))!;
        JournalDirectory.Stop(first);

        var second = _dir.Start(time);

        Assert.Same(second.Table.List().Single(), second.Table.FindFenced(lease.Id, lease.FencingToken));
        var stale = Assert.Throws<LeaseLostException>(() => second.Table.FindFenced(lease.Id, lease.FencingToken - 1));
        Assert.Contains("stale", stale.Message, StringComparison.Ordinal);
        Assert.Null(second.Table.FindFenced("ls_unknown", 1));
    }

    [Fact]
    public void WasDroppedAtRestore_LeaseExpiredWhileDown_ReportsExpired()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var expired = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { TimeToLive = TimeSpan.FromSeconds(5) })!;
        var gone = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "sim3" } })!;
        var kept = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "sim0" } })!;
        JournalDirectory.Stop(first);
        time.Advance(TimeSpan.FromSeconds(6));

        var second = _dir.Start(time, devices: JournalDirectory.Devices[..3]);

        Assert.True(second.Table.WasDroppedAtRestore(expired.Id, out var expiredReason));
        Assert.Equal(LeaseLostReason.Expired, expiredReason);
        Assert.True(second.Table.WasDroppedAtRestore(gone.Id, out var goneReason));
        Assert.Equal(LeaseLostReason.ServerRestarted, goneReason);
        Assert.False(second.Table.WasDroppedAtRestore(kept.Id, out _));
        Assert.NotNull(second.Table.FindFenced(kept.Id, kept.FencingToken));
    }
}
