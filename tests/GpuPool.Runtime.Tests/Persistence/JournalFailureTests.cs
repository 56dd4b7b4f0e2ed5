using GpuPool.Runtime.Leasing;
using Microsoft.Data.Sqlite;

namespace GpuPool.Runtime.Tests.Persistence;

public sealed class JournalFailureTests : IDisposable
{
    private readonly JournalDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TryGrant_JournalFull_RefusesWithPoolUnavailableAndGrantsNothingUnrecorded()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time, _dir.Options(maxBytes: 64 * 1024));
        var granted = new List<LeaseEntry>();
        PoolUnavailableException? refused = null;
        for (var i = 0; i < 2000 && refused is null; i++)
        {
            try
            {
                granted.Add(first.Table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(16), 1) with { ClientRequestId = $"fill-{i}" }, "tenant-a")!);
            }
            catch (PoolUnavailableException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.IsType<SqliteException>(refused.InnerException);
        Assert.True(granted.Count > 10, $"only {granted.Count} leases fit in 64 KiB");
        Assert.Equal(granted.Count, first.Table.Count);
        Assert.Equal(granted.Count, first.Table.GetInventory().Devices.Sum(d => d.ActiveLeases));
        Assert.Equal(granted.Count, first.Table.GetUsage("tenant-a").Leases);

        // Every lease that was handed out is in the journal, and nothing else is.
        JournalDirectory.Stop(first);
        var second = _dir.Start(time);
        Assert.Equal(granted.Select(l => l.Id).Order(), second.Table.List().Select(l => l.Id).Order());
    }

    [Fact]
    public void TryGrant_JournalFullThenSpaceFreed_GrantsAgain()
    {
        var time = JournalDirectory.Clock();
        var pool = _dir.Start(time, _dir.Options(maxBytes: 64 * 1024));
        var granted = new List<LeaseEntry>();
        while (true)
        {
            try
            {
                granted.Add(pool.Table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(16), 1) with { ClientRequestId = $"fill-{granted.Count}" })!);
            }
            catch (PoolUnavailableException)
            {
                break;
            }
        }

        foreach (var lease in granted.Take(granted.Count / 2))
        {
            pool.Table.Release(lease);
        }

        Assert.NotNull(pool.Table.TryGrant(SliceRequest.ForShare(ByteSize.MiB(16), 1)));
    }

    [Fact]
    public void TryGrant_DataDirectoryUnusable_EveryGrantRefusedAsUnavailable()
    {
        // A path below a regular file cannot be created, not even by root (chmod does not stop root).
        var blocker = Path.Combine(_dir.Path, "not-a-directory");
        File.WriteAllText(blocker, "x");
        var options = _dir.Options();
        options.DataDirectory = Path.Combine(blocker, "data");
        var pool = _dir.Start(JournalDirectory.Clock(), options);

        Assert.Throws<PoolUnavailableException>(() => pool.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100)));
        Assert.Throws<PoolUnavailableException>(() => pool.Table.TryGrant(SliceRequest.ForDevices(1)));
        Assert.Equal(0, pool.Table.Count);
        Assert.All(pool.Table.GetInventory().Devices, d => Assert.Equal(0, d.ActiveLeases));
    }

    [Fact]
    public void TryGrant_JournalReadOnly_RefusedAsUnavailable()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var kept = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!;
        JournalDirectory.Stop(first);

        // Another process holds the journal's write lock: writes cannot happen.
        using var other = new JournalWriteLock(_dir.DatabasePath);

        var second = _dir.Start(time, _dir.Options(busyTimeout: TimeSpan.Zero));
        Assert.True(second.Table.TryGet(kept.Id, out var restored));

        var error = Assert.Throws<PoolUnavailableException>(() => second.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100)));
        Assert.NotNull(error.RetryAfter);
        Assert.Equal(1, second.Table.Count);
        var expiry = restored.ExpiresAt;
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Throws<PoolUnavailableException>(() => second.Table.Renew(restored));
        Assert.Equal(expiry, restored.ExpiresAt);

        // A release cannot be refused: it takes effect and is written once the journal is writable again.
        Assert.True(second.Table.Release(restored));
        Assert.Equal(1, second.Journal.PendingEnds);
        other.Release();
        var next = second.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100))!;
        Assert.Equal(0, second.Journal.PendingEnds);
        JournalDirectory.Stop(second);

        var third = _dir.Start(time);
        Assert.Equal([next.Id], third.Table.List().Select(l => l.Id));
    }

    [Fact]
    public void Start_JournalMissedAnEnd_NewestGrantKeepsTheSliceAndTheStaleOneIsForgotten()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var newest = first.Table.TryGrant(SliceRequest.ForDevices(4))!;
        JournalDirectory.Stop(first);

        // A stale record for the same devices with an older token, as left by an end that was never written.
        using (var connection = new SqliteConnection($"Data Source={_dir.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var copy = connection.CreateCommand();
            copy.CommandText = "INSERT INTO leases SELECT 'ls_stale', tenant, fencing - 1, node, devices, memory_bytes, milli, cpu_milli, host_memory_bytes, request, granted_at, ttl, expires_at FROM leases";
            Assert.Equal(1, copy.ExecuteNonQuery());
        }

        var second = _dir.Start(time);
        Assert.Equal([newest.Id], second.Table.List().Select(l => l.Id));
        JournalDirectory.Stop(second);

        var third = _dir.Start(time);
        Assert.Equal([newest.Id], third.Table.List().Select(l => l.Id));
        Assert.Equal(0, third.Journal.PendingEnds);
    }

    [Fact]
    public async Task GrantAsync_WaiterWhenJournalCannotBeWritten_FailsAsUnavailableInsteadOfBeingGranted()
    {
        var time = JournalDirectory.Clock();
        var pool = _dir.Start(time, _dir.Options(busyTimeout: TimeSpan.Zero));
        var everything = pool.Table.TryGrant(SliceRequest.ForDevices(4))!;
        var waiting = pool.Table.GrantAsync(SliceRequest.ForDevices(1) with { WaitTimeout = TimeSpan.FromMinutes(1) }, "tenant-w");
        Assert.False(waiting.IsCompleted);

        using var other = new SqliteConnection($"Data Source={_dir.DatabasePath};Pooling=False");
        other.Open();
        using var exclusive = other.BeginTransaction(deferred: false);

        Assert.True(pool.Table.Release(everything));

        await Assert.ThrowsAsync<PoolUnavailableException>(async () => await waiting);
        Assert.Equal(0, pool.Table.Count);
        Assert.Equal(0, pool.Table.GetUsage("tenant-w").Leases);
    }

    [Fact]
    public void TryGrant_SecondPoolOnTheSameDataDirectory_RefusesInsteadOfGrantingTheSameSlices()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var held = first.Table.TryGrant(SliceRequest.ForDevices(4))!;

        var second = _dir.Start(time);

        var error = Assert.Throws<PoolUnavailableException>(() => second.Table.TryGrant(SliceRequest.ForDevices(4)));
        Assert.Contains("in use by another GpuPool process", error.InnerException!.InnerException!.Message, StringComparison.Ordinal);
        Assert.Equal(0, second.Table.Count);
        Assert.True(first.Table.TryGet(held.Id, out _));
    }
}
