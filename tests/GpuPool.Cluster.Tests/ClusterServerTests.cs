using System.Collections.Concurrent;
using System.Diagnostics;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Protocol;
using GpuPool.Server.TestHost;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class ClusterServerTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const string LimitedOverQuota = """
        SELECT greatest(count(*) - 3, 0) FROM gpupool_leases l JOIN gpupool_nodes n ON n.node_id = l.node_id AND n.epoch = l.node_epoch AND n.state = 'alive'
        WHERE l.tenant = 'limited' AND l.ended_at IS NULL AND l.expires_at > now()
        """;

    private static readonly SliceRequest Quarter = SliceRequest.ForShare(ByteSize.GiB(2), 250) with { TimeToLive = TimeSpan.FromMinutes(1) };

    [PostgresFact]
    public async Task Acquire_64ClientsThroughThreeServers_NeverOverCommitted()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output, overrides: ClusterServers.RelaxedLiveness);
        await using var database = NpgsqlDataSource.Create(servers.ConnectionString);
        var held = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var violations = 0;
        var granted = new ConcurrentBag<string>();
        var unavailable = 0;
        using var stop = new CancellationTokenSource();
        var checker = Task.Run(async () =>
        {
            var checks = 0;
            while (!stop.IsCancellationRequested)
            {
                await using var command = database.CreateCommand(ClusterInvariants.OverCommittedDevices + ";" + LimitedOverQuota);
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                violations += (int)reader.GetInt64(0);
                await reader.NextResultAsync();
                await reader.ReadAsync();
                violations += (int)reader.GetInt64(0);
                checks++;
            }

            return checks;
        });

        var clients = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            using var client = new RawPoolClient(servers.Address(i % 3), i % 8 == 0 ? ClusterServers.LimitedKey : ClusterServers.AlphaKey);
            for (var round = 0; round < 15; round++)
            {
                GpuPool.Protocol.V1.Lease? lease;
                try
                {
                    lease = await client.TryAcquireAsync(Quarter);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    continue; // the limited tenant's quota
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                {
                    Interlocked.Increment(ref unavailable); // an overloaded database answers "retry later": allowed, counted
                    continue;
                }

                if (lease is null)
                {
                    continue;
                }

                granted.Add(lease.Id);
                var device = lease.Devices[0].Node + "/" + lease.Devices[0].Id;
                if (held.AddOrUpdate(device, 250, (_, milli) => milli + 250) > 1000)
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Yield();
                held.AddOrUpdate(device, 0, (_, milli) => milli - 250);
                Assert.True(await client.ReleaseAsync(lease));
            }
        })).ToArray();
        await Task.WhenAll(clients);
        await stop.CancelAsync();
        var checks = await checker;

        output.WriteLine($"{granted.Count} grants, {checks} invariant checks, {unavailable} acquires answered Unavailable");
        Assert.Equal(0, violations);
        Assert.True(granted.Count > 64, $"only {granted.Count} grants");
        Assert.Equal(granted.Count, granted.Distinct().Count());
        await using var live = database.CreateCommand("SELECT count(*) FROM gpupool_leases WHERE ended_at IS NULL");
        Assert.Equal(0L, await live.ExecuteScalarAsync());
    }

    [PostgresFact]
    public async Task LoadModel_LeaseOwnedByAnotherNode_FailedPreconditionNamingTheOwner()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        using var front = new RawPoolClient(servers.Address(0), ClusterServers.AlphaKey);
        using var owner = new RawPoolClient(servers.Address(2), ClusterServers.AlphaKey);

        var lease = (await front.TryAcquireAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(2) } }))!;
        var elsewhere = await front.LoadUnknownModelAsync(lease.Id);
        var served = await owner.LoadUnknownModelAsync(lease.Id);

        Assert.Equal(servers.Address(2).ToString().TrimEnd('/'), lease.OwnerAddress);
        Assert.Equal(StatusCode.FailedPrecondition, elsewhere.StatusCode);
        Assert.Equal(ErrorKinds.LeaseElsewhere, elsewhere.Trailers.GetValue(ErrorKinds.Trailer));
        Assert.Equal(lease.OwnerAddress, elsewhere.Trailers.GetValue(ErrorKinds.LeaseOwnerTrailer));
        Assert.Equal(ErrorKinds.ModelContentNotFound, served.Trailers.GetValue(ErrorKinds.Trailer)); // served: it got as far as the model store
    }

    [PostgresFact]
    public async Task NodeStops_HolderElsewhereSeesLeaseLostWithinGrace_OthersKept_CapacityReturnsOnRestart()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        await using var sdk = SdkClients.For(servers.Address(0));
        var pool = sdk.GetRequiredService<IGpuPool>();
        await using var doomed = await pool.LeaseAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(1) } });
        await using var kept = await pool.LeaseAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(2) } });

        var stopped = Stopwatch.StartNew();
        await servers.StopAsync(1);
        var lost = new TaskCompletionSource();
        using var registration = doomed.LeaseLost.Register(lost.SetResult);
        await lost.Task.WaitAsync(ClusterServers.Grace * 4);
        output.WriteLine($"LeaseLost {stopped.ElapsedMilliseconds} ms after the node stopped (grace {ClusterServers.Grace.TotalMilliseconds} ms)");

        Assert.False(kept.LeaseLost.IsCancellationRequested);
        await using var survivor = await pool.LeaseAsync(Quarter);
        Assert.NotEqual(ClusterServers.Node(1), survivor.Devices[0].Node);
        await servers.StartAsync(1);
        await using var back = await pool.LeaseAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(1) } });
        Assert.Equal(ClusterServers.Node(1), back.Devices[0].Node);
        await using var database = NpgsqlDataSource.Create(servers.ConnectionString);
        await using var epoch = database.CreateCommand("SELECT epoch FROM gpupool_nodes WHERE node_id = 'node-1'");
        Assert.Equal(2L, await epoch.ExecuteScalarAsync());
    }

    [PostgresFact]
    public async Task Acquire_TenantAtItsPoolWideQuota_RefusedAndCountedForTheTenantByTheServerThatRefused()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output, count: 2);
        using var first = new RawPoolClient(servers.Address(0), ClusterServers.LimitedKey);
        using var second = new RawPoolClient(servers.Address(1), ClusterServers.LimitedKey);
        for (var i = 0; i < 3; i++)
        {
            Assert.NotNull(await first.TryAcquireAsync(Quarter)); // MaxLeases 3, pool-wide
        }

        // The second server holds none of the tenant's leases: the database's quota check refuses it.
        var refused = await Assert.ThrowsAsync<RpcException>(() => second.TryAcquireAsync(Quarter));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var tenants = servers.Services(1).GetRequiredService<GpuPool.Runtime.Diagnostics.RuntimeMetrics>().Usage.Tenants();
        Assert.Equal(1, tenants["limited"].Rejections["quota"]);
    }

    [PostgresFact]
    public async Task PostgresStopped_AcquireUnavailableAndServingStopsAfterConfirmTimeout_ThenEverythingContinues()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output, count: 2);
        using var client = new RawPoolClient(servers.Address(0), ClusterServers.AlphaKey);
        var held = (await client.TryAcquireAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(0) }, ClientRequestId = "held" }))!;

        await postgres.Server.StopAsync();
        try
        {
            var stoppedAt = Stopwatch.StartNew();
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.TryAcquireAsync(Quarter));
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
            Assert.NotNull(refused.Trailers.GetValue(ErrorKinds.RetryAfterTrailer));
            Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => client.RenewAsync(held.Id))).StatusCode);

            // Served while its validity is confirmed, refused once the node cannot confirm it.
            await Eventually.TrueAsync(
                async () => (await client.LoadUnknownModelAsync(held.Id)).StatusCode == StatusCode.Unavailable,
                ClusterServers.ConfirmTimeout * 4,
                "the node stops serving a lease it cannot confirm");
            Assert.True(stoppedAt.Elapsed < ClusterServers.Grace, $"stopped serving only after {stoppedAt.Elapsed}");
        }
        finally
        {
            await postgres.Server.StartAgainAsync();
        }

        GpuPool.Protocol.V1.Lease? after = null;
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    after = await client.TryAcquireAsync(Quarter with { ClientRequestId = "after" });
                    return after is not null;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "acquires work again once PostgreSQL is back");
        await Eventually.TrueAsync(
            async () => (await client.LoadUnknownModelAsync(held.Id)).StatusCode == StatusCode.NotFound,
            TimeSpan.FromSeconds(60),
            "the held lease is served again");
        var renewed = await client.RenewAsync(held.Id);
        Assert.Equal(held.FencingToken, renewed.FencingToken);
        var again = await client.TryAcquireAsync(Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(0) }, ClientRequestId = "held" });
        Assert.Equal(held.Id, again!.Id);
        await using var database = NpgsqlDataSource.Create(servers.ConnectionString);
        await using var count = database.CreateCommand("SELECT count(*) FROM gpupool_leases");
        Assert.Equal(2L, await count.ExecuteScalarAsync());
    }
}
