using GpuPool.Client.Routing.Tests.Support;
using GpuPool.Cluster.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace GpuPool.Client.Routing.Tests;

/// <summary>A restarted application takes its live leases back by id and fencing token.</summary>
[Collection(PostgresDefinition.Name)]
public sealed class ReattachTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [PostgresFact]
    public async Task AttachAsync_FromANewProcess_SameSliceServedAndReleasable()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        string id;
        long token;
        string device;
        await using (var crashed = PoolApp.Start(servers, 0, 1, 2))
        {
            var lease = await crashed.Pool.LeaseAsync(PoolApp.On(1));
            await PoolApp.RunQuickStartAsync(lease);
            (id, token, device) = (lease.Id, lease.FencingToken, lease.Devices[0].Id);

            // The process ends without releasing (its pool goes, the lease stays).
        }

        await using var restarted = PoolApp.Start(servers, 2, 0);
        await using var attached = await restarted.Pool.AttachAsync(id, token);

        Assert.Equal(id, attached.Id);
        Assert.Equal(token, attached.FencingToken);
        Assert.Equal((ClusterServers.Node(1), device), (attached.Devices[0].Node, attached.Devices[0].Id));
        await PoolApp.RunQuickStartAsync(attached);
        await attached.ReleaseAsync();
        await using var database = NpgsqlDataSource.Create(servers.ConnectionString);
        await using var live = database.CreateCommand("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL");
        Assert.Equal(0L, await live.ExecuteScalarAsync());
    }

    [PostgresFact]
    public async Task AttachAsync_WrongFencingToken_LeaseLostAndTheHolderKeepsIt()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output, count: 2);
        await using var holder = PoolApp.Start(servers, 0, 1);
        await using var lease = await holder.Pool.LeaseAsync(PoolApp.On(0));
        await using var other = PoolApp.Start(servers, 1);

        await Assert.ThrowsAsync<LeaseLostException>(() => other.Pool.AttachAsync(lease.Id, lease.FencingToken + 1).AsTask());

        Assert.False(lease.LeaseLost.IsCancellationRequested);
        await PoolApp.RunQuickStartAsync(lease);
    }
}
