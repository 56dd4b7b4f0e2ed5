using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Leasing;

public sealed class LeaseEndObserversTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Release_ObserversAddedOutOfOrder_RunInDeclaredStageOrder()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var log = new List<string>();
        table.AddEndObserver(new RecordingLeaseEndObserver(LeaseEndStage.Holders, "holders", log));
        table.AddEndObserver(new RecordingLeaseEndObserver(LeaseEndStage.Cuda, "cuda", log));
        table.AddEndObserver(new RecordingLeaseEndObserver(LeaseEndStage.EndedLeaseRecords, "records", log));
        table.AddEndObserver(new RecordingLeaseEndObserver(LeaseEndStage.Models, "models", log));
        table.AddEndObserver(new RecordingLeaseEndObserver(LeaseEndStage.KeepAlive, "keep-alive", log));
        table.AddEndObserver(new RecordingLeaseEndObserver(LeaseEndStage.DurableModels, "durable", log));
        var lease = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!;

        Assert.True(table.Release(lease));

        Assert.Equal(["models", "durable", "cuda", "keep-alive", "records", "holders"], log);
    }

    [Fact]
    public void Expiry_ObserverThrows_LaterObserversStillRunAndBooksAreFreed()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var log = new List<string>();
        var last = new RecordingLeaseEndObserver(LeaseEndStage.Holders, "holders", log);
        table.AddEndObserver(last);
        table.AddEndObserver(new RecordingLeaseEndObserver(LeaseEndStage.Models, "models", log, throws: true));
        table.AddEndObserver(new RecordingLeaseEndObserver(LeaseEndStage.Cuda, "cuda", log));
        var lease = table.TryGrant(SliceRequest.ForDevices(1) with { TimeToLive = TimeSpan.FromSeconds(10) })!;

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(["models", "cuda", "holders"], log);
        Assert.Same(lease, Assert.Single(last.Ended));
        Assert.Equal(LeaseLostReason.Expired, lease.LostReason);
        Assert.Equal(0, table.Count);
        Assert.NotNull(table.TryGrant(SliceRequest.ForDevices(1)));
    }

    [Fact]
    public void AddEndObserver_SameObserverTwice_RunsOncePerLease()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var log = new List<string>();
        var observer = new RecordingLeaseEndObserver(LeaseEndStage.Models, "models", log);
        table.AddEndObserver(observer);
        table.AddEndObserver(observer);

        table.Release(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!);

        Assert.Equal(["models"], log);
    }

    [Fact]
    public void RemoveEndObserver_AfterRemoval_ObserverIsNotCalled()
    {
        using var table = TestPool.Table(_time, TestPool.Device("gpu0"));
        var log = new List<string>();
        var observer = new RecordingLeaseEndObserver(LeaseEndStage.Cuda, "cuda", log);
        table.AddEndObserver(observer);
        table.RemoveEndObserver(observer);

        table.Release(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!);

        Assert.Empty(log);
    }
}
