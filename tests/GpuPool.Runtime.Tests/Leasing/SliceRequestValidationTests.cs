using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Leasing;

public sealed class SliceRequestValidationTests
{
    public static TheoryData<SliceRequest, string> BadRequests => new()
    {
        { SliceRequest.ForShare(0, 100), "MemoryBytes must be positive; got 0" },
        { SliceRequest.ForShare(-5, 100), "MemoryBytes must be positive; got -5" },
        { SliceRequest.ForShare(ByteSize.MiB(1), 0), "ComputeMilli must be between 1 and 1000; got 0" },
        { SliceRequest.ForShare(ByteSize.MiB(1), 1001), "ComputeMilli must be between 1 and 1000; got 1001" },
        { SliceRequest.ForShare(ByteSize.MiB(1), 100) with { WholeDevices = 2 }, "are exclusive" },
        { new SliceRequest { MemoryBytes = ByteSize.MiB(1) }, "Either ComputeMilli" },
        { SliceRequest.ForDevices(0), "WholeDevices must be at least 1; got 0" },
        { SliceRequest.ForShare(ByteSize.MiB(1), 100) with { TimeToLive = TimeSpan.FromSeconds(-1) }, "TimeToLive must be positive" },
        { SliceRequest.ForShare(ByteSize.MiB(1), 100) with { Priority = (LeasePriority)9 }, "Priority 9" },
        { SliceRequest.ForShare(ByteSize.MiB(1), 100) with { CpuMilli = -1 }, "CpuMilli must not be negative; got -1" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void TryGrant_MalformedRequest_ThrowsNamingTheProblemAndPoolKeepsWorking(SliceRequest request, string expected)
    {
        using var table = TestPool.Table(new FakeTimeProvider(), TestPool.Device("gpu0"));
        var existing = table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!;

        var error = Assert.Throws<InvalidPoolRequestException>(() => table.TryGrant(request));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.True(existing.IsActive);
        Assert.NotNull(table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100)));
    }

    [Theory]
    [InlineData("H100", 0, 0)]
    [InlineData(null, 81, 0)]
    [InlineData(null, 0, 2)]
    public async Task GrantAsync_ImpossibleConstraint_FailsAtOnceInsteadOfWaiting(string? model, long memoryGiB, int devices)
    {
        using var table = TestPool.Table(new FakeTimeProvider(), TestPool.Device("gpu0"));
        var request = devices > 0
            ? SliceRequest.ForDevices(devices)
            : SliceRequest.ForShare(ByteSize.GiB(Math.Max(1, memoryGiB)), 100) with
            {
                Constraints = model is null ? null : new DeviceConstraints { Models = [model] },
            };

        var error = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => table.GrantAsync(request).AsTask());

        Assert.Contains("can ever hold", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, table.WaitingCount);
    }

    [Fact]
    public void TryGrant_TimeToLiveAboveMaximum_IsRejected()
    {
        using var table = TestPool.Table(new FakeTimeProvider(), new Runtime.Leasing.LeaseTableSettings { MaxTimeToLive = TimeSpan.FromHours(1) }, TestPool.Device("gpu0"));

        var error = Assert.Throws<InvalidPoolRequestException>(() => table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 1) with { TimeToLive = TimeSpan.FromHours(2) }));

        Assert.Contains("at most 01:00:00", error.Message, StringComparison.Ordinal);
    }
}
