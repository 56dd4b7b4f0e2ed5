using System.Collections.Concurrent;
using GpuPool.Cluster.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class PoolQueueTests(PostgresFixture postgres, ITestOutputHelper output)
{
    // A whole device's compute: each freed device serves exactly one waiter.
    private static readonly SliceRequest Device = SliceRequest.ForShare(ByteSize.GiB(1), SliceRequest.FullDeviceMilli) with
    {
        TimeToLive = TimeSpan.FromMinutes(1),
        WaitTimeout = TimeSpan.FromMinutes(2),
    };

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task LeaseAsync_WaitersOnEveryServer_FreedCapacityGoesToTheHighestPriorityThenTheOldest()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        await using var database = NpgsqlDataSource.Create(servers.ConnectionString);
        var sdks = Enumerable.Range(0, 3).Select(i => SdkClients.For(servers.Address(i))).ToArray();
        try
        {
            var pools = sdks.Select(s => s.GetRequiredService<IGpuPool>()).ToArray();
            var holders = new List<GpuLease>();
            for (var i = 0; i < 6; i++)
            {
                holders.Add(await pools[i % 3].LeaseAsync(Device));
            }

            var served = new ConcurrentQueue<string>();
            var waiting = new List<Task<GpuLease>>();
            foreach (var (name, server, priority) in new[]
            {
                ("low@1", 1, LeasePriority.Low),
                ("normal@2", 2, LeasePriority.Normal),
                ("normal@0", 0, LeasePriority.Normal),
                ("high@1", 1, LeasePriority.High),
            })
            {
                waiting.Add(WaitAsync(pools[server], Device with { Priority = priority }, name, served));
                var queued = waiting.Count;
                await Eventually.TrueAsync(async () => await WaitersAsync(database) == queued, Patience, $"{name} waits in the pool's queue");
            }

            for (var released = 1; released <= waiting.Count; released++)
            {
                await holders[released - 1].DisposeAsync();
                var count = released;
                await Eventually.TrueAsync(() => Task.FromResult(served.Count == count), Patience, $"a waiter is served after release {count}");
                Assert.Equal(waiting.Count - released, await WaitersAsync(database));
            }

            Assert.Equal(["high@1", "normal@2", "normal@0", "low@1"], served.ToArray());
            foreach (var lease in await Task.WhenAll(waiting))
            {
                await lease.DisposeAsync();
            }

            foreach (var holder in holders.Skip(waiting.Count))
            {
                await holder.DisposeAsync();
            }
        }
        finally
        {
            foreach (var sdk in sdks)
            {
                await sdk.DisposeAsync();
            }
        }
    }

    [PostgresFact]
    public async Task TryLease_WaiterQueuedElsewhere_NotOvertakenAtItsPriorityButAHigherOneIsServed()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output, count: 2);
        await using var database = NpgsqlDataSource.Create(servers.ConnectionString);
        await using var first = SdkClients.For(servers.Address(0));
        await using var second = SdkClients.For(servers.Address(1));
        var pool = first.GetRequiredService<IGpuPool>();
        var holders = await HoldEveryDeviceAsync(pool, 4);

        var waiter = await QueuedAsync(second, Device with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(0) } }, database, CancellationToken.None);
        await holders.First(h => h.Devices[0].Node == ClusterServers.Node(1)).DisposeAsync(); // free, but not where the waiter fits

        var same = pool.TryLease(Device);
        var higher = pool.TryLease(Device with { Priority = LeasePriority.High });

        Assert.Null(same);
        Assert.NotNull(higher);
        Assert.Equal(ClusterServers.Node(1), higher.Devices[0].Node);
        Assert.False(waiter.IsCompleted);
        await holders.First(h => h.Devices[0].Node == ClusterServers.Node(0)).DisposeAsync();
        var granted = await waiter.WaitAsync(Patience);
        Assert.Equal(ClusterServers.Node(0), granted.Devices[0].Node);
        await granted.DisposeAsync();
        await higher.DisposeAsync();
        foreach (var holder in holders)
        {
            await holder.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task LeaseAsync_CancelledWhileQueued_LeavesTheQueueAndTakesNothing()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output, count: 2);
        await using var database = NpgsqlDataSource.Create(servers.ConnectionString);
        await using var first = SdkClients.For(servers.Address(0));
        await using var second = SdkClients.For(servers.Address(1));
        var pool = first.GetRequiredService<IGpuPool>();
        var holders = await HoldEveryDeviceAsync(pool, 4);

        using var cancel = new CancellationTokenSource();
        var waiter = await QueuedAsync(second, Device, database, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync(Patience));
        await Eventually.TrueAsync(async () => await AllWaitersAsync(database) == 0, Patience, "the cancelled waiter leaves the queue");
        await holders[0].DisposeAsync();
        var next = pool.TryLease(Device);

        Assert.NotNull(next);
        await next.DisposeAsync();
        foreach (var holder in holders)
        {
            await holder.DisposeAsync();
        }
    }

    private static async Task<List<GpuLease>> HoldEveryDeviceAsync(IGpuPool pool, int devices)
    {
        var holders = new List<GpuLease>();
        for (var i = 0; i < devices; i++)
        {
            holders.Add(await pool.LeaseAsync(Device));
        }

        return holders;
    }

    // The only waiter: started through the given client, returned once it is in the pool's queue.
    private static async Task<Task<GpuLease>> QueuedAsync(IServiceProvider client, SliceRequest request, NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var waiter = client.GetRequiredService<IGpuPool>().LeaseAsync(request, cancellationToken).AsTask();
        await Eventually.TrueAsync(async () => await WaitersAsync(database) == 1, Patience, "the waiter is in the pool's queue");
        return waiter;
    }

    private static async Task<GpuLease> WaitAsync(IGpuPool pool, SliceRequest request, string name, ConcurrentQueue<string> served)
    {
        var lease = await pool.LeaseAsync(request);
        served.Enqueue(name);
        return lease;
    }

    private static async Task<long> WaitersAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM gpupool_waiters WHERE lease_id IS NULL");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> AllWaitersAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM gpupool_waiters");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
