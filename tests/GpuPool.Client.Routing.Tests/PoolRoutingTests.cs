using System.Diagnostics;
using GpuPool.Client.Routing.Tests.Support;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Remote;
using Xunit.Abstractions;

namespace GpuPool.Client.Routing.Tests;

/// <summary>The SDK configured with the addresses of a pool of three real servers over a real PostgreSQL.</summary>
[Collection(PostgresDefinition.Name)]
public sealed class PoolRoutingTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [PostgresFact]
    public async Task LeaseAsync_ThreeAddresses_QuickStartRunsOnEachNodesDevices()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        await using var app = PoolApp.Start(servers, 0, 1, 2);

        for (var node = 0; node < 3; node++)
        {
            await using var lease = await app.Pool.LeaseAsync(PoolApp.On(node));
            Assert.Equal(ClusterServers.Node(node), lease.Devices[0].Node);
            Assert.True(PoolAddresses.Same(servers.Address(node).ToString(), ((RemoteLease)lease).OwnerAddress));
            await PoolApp.RunQuickStartAsync(lease);
        }
    }

    [PostgresFact]
    public async Task LoadModelAsync_OneAddressLeaseOnAnotherNode_ModelCallsGoToTheOwner()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        await using var app = PoolApp.Start(servers, 0);

        await using var lease = await app.Pool.LeaseAsync(PoolApp.On(2));

        await PoolApp.RunQuickStartAsync(lease);
        Assert.True(PoolAddresses.Same(servers.Address(2).ToString(), ((RemoteLease)lease).OwnerAddress));
    }

    [PostgresFact]
    public async Task LoadModelAsync_SentToANodeThatDoesNotOwnTheLease_FollowsTheRedirectOnce()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        await using var app = PoolApp.Start(servers, 0, 1, 2);
        await using var lease = await app.Pool.LeaseAsync(PoolApp.On(2));

        // As if the grant had named another node (or the lease had moved): node-0 answers with the owner.
        ((RemoteLease)lease).OwnerAddress = servers.Address(0).ToString();
        await PoolApp.RunQuickStartAsync(lease);

        Assert.True(PoolAddresses.Same(servers.Address(2).ToString(), ((RemoteLease)lease).OwnerAddress));
    }

    [PostgresFact]
    public async Task LeaseAsync_ServerStoppedMidRun_OnlyItsLeasesLostAndTheNextLeaseLandsElsewhere()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        await using var app = PoolApp.Start(servers, 0, 1, 2);
        var leases = new GpuLease[3];
        for (var node = 0; node < 3; node++)
        {
            leases[node] = await app.Pool.LeaseAsync(PoolApp.On(node));
            await PoolApp.RunQuickStartAsync(leases[node]);
        }

        var stopped = Stopwatch.StartNew();
        await servers.StopAsync(1);
        var lost = new TaskCompletionSource();
        using var registration = leases[1].LeaseLost.Register(lost.SetResult);
        await lost.Task.WaitAsync(ClusterServers.Grace * 4);
        var lostAfter = stopped.Elapsed;
        var next = Stopwatch.StartNew();
        await using var survivor = await app.Pool.LeaseAsync(PoolApp.Quarter);
        var leaseTook = next.Elapsed;
        output.WriteLine($"LeaseLost {lostAfter.TotalMilliseconds:F0} ms after the stop; the next LeaseAsync took {leaseTook.TotalMilliseconds:F0} ms");

        Assert.Equal(LeaseLostReason.NodeLost, leases[1].LostReason);
        var error = await Assert.ThrowsAsync<LeaseLostException>(() => PoolApp.RunQuickStartAsync(leases[1]));
        Assert.Equal(leases[1].LostReason, error.Reason);
        Assert.False(leases[0].LeaseLost.IsCancellationRequested);
        Assert.False(leases[2].LeaseLost.IsCancellationRequested);
        await PoolApp.RunQuickStartAsync(leases[0]);
        await PoolApp.RunQuickStartAsync(leases[2]);
        Assert.NotEqual(ClusterServers.Node(1), survivor.Devices[0].Node);
        await PoolApp.RunQuickStartAsync(survivor); // uploaded to its node without the app doing anything
        await leases[0].DisposeAsync();
        await leases[2].DisposeAsync();
    }

    [PostgresFact]
    public async Task LeaseAsync_TheSessionsServerStopped_SessionMovesAndAcquiresGoOn()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output, count: 2);
        await using var app = PoolApp.Start(servers, 0, 1);
        await using var kept = await app.Pool.LeaseAsync(PoolApp.On(1));

        await servers.StopAsync(0);
        var next = Stopwatch.StartNew();
        await using var lease = await app.Pool.LeaseAsync(PoolApp.Quarter);
        output.WriteLine($"LeaseAsync {next.ElapsedMilliseconds} ms after the stop");

        Assert.Equal(ClusterServers.Node(1), lease.Devices[0].Node);
        await PoolApp.RunQuickStartAsync(kept);
        await PoolApp.RunQuickStartAsync(lease);
    }
}
