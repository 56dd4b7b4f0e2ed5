using Microsoft.Data.Sqlite;

namespace GpuPool.Runtime.Tests.Persistence;

public sealed class DrainRestoreTests : IDisposable
{
    private readonly JournalDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Start_DeviceDrainedBeforeStop_IsStillDrainingAndGetsNoNewLeases()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var onSim1 = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(8), 250) with { Constraints = new DeviceConstraints { DeviceId = "sim1" } })!;
        Assert.True(first.Table.SetDraining("node-a", "sim1", draining: true));
        Assert.True(first.Table.SetDraining("node-a", "sim2", draining: true));
        Assert.True(first.Table.SetDraining("node-a", "sim2", draining: false));
        JournalDirectory.Stop(first);

        var second = _dir.Start(time);

        var devices = second.Table.GetInventory().Devices.ToDictionary(d => d.Device.Id);
        Assert.True(devices["sim1"].Draining);
        Assert.False(devices["sim2"].Draining);
        Assert.False(devices["sim0"].Draining);

        // The lease on the drained device came back; a new one that can only go there is refused.
        Assert.True(second.Table.TryGet(onSim1.Id, out _));
        Assert.Null(second.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "sim1" } }));
        Assert.NotNull(second.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 100) with { Constraints = new DeviceConstraints { DeviceId = "sim2" } }));
    }

    [Fact]
    public void Start_DeviceOpenedAgainBeforeStop_IsOpen()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        first.Table.SetDraining("node-a", "sim3", draining: true);
        JournalDirectory.Stop(first);
        var second = _dir.Start(time);
        Assert.True(second.Table.GetInventory().Devices.Single(d => d.Device.Id == "sim3").Draining);
        Assert.True(second.Table.SetDraining("node-a", "sim3", draining: false));
        JournalDirectory.Stop(second);

        var third = _dir.Start(time);

        Assert.All(third.Table.GetInventory().Devices, d => Assert.False(d.Draining));
    }

    [Fact]
    public void SetDraining_JournalNotWritable_RefusedAsUnavailableAndNothingChanges()
    {
        var time = JournalDirectory.Clock();
        JournalDirectory.Stop(_dir.Start(time));

        // Another process holds the journal's write lock: the change cannot be recorded.
        using var other = new JournalWriteLock(_dir.DatabasePath);

        var pool = _dir.Start(time, _dir.Options(busyTimeout: TimeSpan.Zero));

        var error = Assert.Throws<PoolUnavailableException>(() => pool.Table.SetDraining("node-a", "sim0", draining: true));
        Assert.Contains("sim0", error.Message, StringComparison.Ordinal);
        Assert.False(pool.Table.GetInventory().Devices.Single(d => d.Device.Id == "sim0").Draining);

        other.Release();
        Assert.True(pool.Table.SetDraining("node-a", "sim0", draining: true));
        Assert.True(pool.Table.GetInventory().Devices.Single(d => d.Device.Id == "sim0").Draining);
    }

    [Fact]
    public void Start_JournalOfSchemaVersionOne_IsUpgradedAndItsLeasesRestored()
    {
        var time = JournalDirectory.Clock();
        var first = _dir.Start(time);
        var lease = first.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(2), 100))!;
        JournalDirectory.Stop(first);

        // What a version 1 journal looked like: no drained_devices table.
        using (var connection = new SqliteConnection($"Data Source={_dir.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var downgrade = connection.CreateCommand();
            downgrade.CommandText = "DROP TABLE drained_devices; PRAGMA user_version = 1;";
            downgrade.ExecuteNonQuery();
        }

        var second = _dir.Start(time);

        Assert.True(second.Table.TryGet(lease.Id, out _));
        Assert.True(second.Table.SetDraining("node-a", "sim0", draining: true));
        JournalDirectory.Stop(second);
        Assert.True(_dir.Start(time).Table.GetInventory().Devices.Single(d => d.Device.Id == "sim0").Draining);
    }
}
