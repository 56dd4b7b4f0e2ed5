using System.Diagnostics;
using GpuPool.Cluster.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class NodeKillTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly SliceRequest Quarter = SliceRequest.ForShare(ByteSize.GiB(2), 250) with { TimeToLive = TimeSpan.FromMinutes(1) };

    [PostgresFact]
    public async Task SigKill_NodeHoldingLeases_HoldersSeeLeaseLostOthersKeptSurvivorsGrantRestartRejoinsWithNewEpoch()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output, count: 2);
        var port = ClusterServers.FreePort();
        var settings = ClusterServers.Settings(servers.ConnectionString, 2, port);
        var victim = await ServerProcess.StartAsync(settings, port);
        await using var victimScope = victim;
        await using var sdk = SdkClients.For(servers.Address(0));
        var pool = sdk.GetRequiredService<IGpuPool>();
        await using var doomed = await pool.LeaseAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(2) } });
        await using var kept = await pool.LeaseAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(1) } });

        var killed = Stopwatch.StartNew();
        await victim.KillAsync();
        var lost = new TaskCompletionSource();
        using var registration = doomed.LeaseLost.Register(lost.SetResult);
        await lost.Task.WaitAsync(ClusterServers.Grace * 4);
        output.WriteLine($"LeaseLost {killed.ElapsedMilliseconds} ms after SIGKILL (grace {ClusterServers.Grace.TotalMilliseconds} ms, heartbeat {ClusterServers.HeartbeatInterval.TotalMilliseconds} ms)");

        Assert.Equal(LeaseLostReason.NodeLost, doomed.LostReason);
        Assert.False(kept.LeaseLost.IsCancellationRequested);
        await using var survivor = await pool.LeaseAsync(Quarter);
        Assert.NotEqual(ClusterServers.Node(2), survivor.Devices[0].Node);

        await using var restarted = await ServerProcess.StartAsync(settings, port);
        await using var back = await pool.LeaseAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(2) }, WaitTimeout = TimeSpan.FromSeconds(30) });
        Assert.Equal(ClusterServers.Node(2), back.Devices[0].Node);
        await using var database = NpgsqlDataSource.Create(servers.ConnectionString);
        await using var epoch = database.CreateCommand("SELECT epoch FROM gpupool_nodes WHERE node_id = 'node-2'");
        Assert.Equal(2L, await epoch.ExecuteScalarAsync());
    }
}
