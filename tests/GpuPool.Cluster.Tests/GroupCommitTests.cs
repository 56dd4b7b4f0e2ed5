using GpuPool.Cluster.Leasing;

namespace GpuPool.Cluster.Tests;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task SubmitAsync_WhileACallIsInFlight_QueuedItemsGoTogetherInOrder()
    {
        var calls = new List<int[]>();
        var firstCallHeld = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var commit = new GroupCommit<int, string>(
            async items =>
            {
                lock (calls)
                {
                    calls.Add([.. items]);
                }

                if (items[0] == 0)
                {
                    firstCallHeld.SetResult();
                    await release.Task;
                }

                return [.. items.Select(i => "r" + i)];
            },
            maxBatch: 64);

        var first = commit.SubmitAsync(0);
        await firstCallHeld.Task;
        var queued = Enumerable.Range(1, 5).Select(commit.SubmitAsync).ToList();
        release.SetResult();

        Assert.Equal("r0", await first);
        Assert.Equal(["r1", "r2", "r3", "r4", "r5"], await Task.WhenAll(queued));
        Assert.Equal([[0], [1, 2, 3, 4, 5]], calls);
        Assert.Equal(2, commit.Calls);
    }

    [Fact]
    public async Task SubmitAsync_MoreThanMaxBatchQueued_SplitsIntoCallsOfAtMostMaxBatch()
    {
        var calls = new List<int[]>();
        var firstCallHeld = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var commit = new GroupCommit<int, int>(
            async items =>
            {
                calls.Add([.. items]); // one call at a time: no lock needed
                if (items[0] == 0)
                {
                    firstCallHeld.SetResult();
                    await release.Task;
                }

                return [.. items];
            },
            maxBatch: 2);

        var first = commit.SubmitAsync(0);
        await firstCallHeld.Task;
        var queued = Enumerable.Range(1, 5).Select(commit.SubmitAsync).ToList();
        release.SetResult();

        var results = await Task.WhenAll(queued);
        Assert.Equal(0, await first);
        Assert.Equal([1, 2, 3, 4, 5], results);
        Assert.Equal([[0], [1, 2], [3, 4], [5]], calls);
    }

    [Fact]
    public async Task SubmitAsync_CallFails_OnlyItsItemsGetTheFailure()
    {
        var firstCallHeld = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var commit = new GroupCommit<int, int>(
            async items =>
            {
                if (items[0] == 0)
                {
                    firstCallHeld.SetResult();
                    await release.Task;
                    throw new InvalidOperationException("database away");
                }

                return [.. items.Select(i => i * 10)];
            },
            maxBatch: 64);

        var failing = commit.SubmitAsync(0);
        await firstCallHeld.Task;
        var next = commit.SubmitAsync(1);
        release.SetResult();

        Assert.Equal("database away", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        Assert.Equal(10, await next);
    }
}
