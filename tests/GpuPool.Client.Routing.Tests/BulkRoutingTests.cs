using GpuPool.Cluster.Tests.Support;
using GpuPool.Remote;
using GpuPool.Server.Bulk;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Client.Routing.Tests;

/// <summary>Bulk runs (large inputs) in a pool of three real servers: they follow the lease to its node as gRPC runs do.</summary>
[Collection(PostgresDefinition.Name)]
public sealed class BulkRoutingTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Features = 256;

    [PostgresFact]
    public async Task RunAsync_BulkRunSentToANodeThatDoesNotOwnTheLease_FollowsTheRedirectAndLaterRunsGoBulkToTheOwner()
    {
        await using var servers = await ClusterServers.StartAsync(postgres.Server, output);
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServer(servers.Address(0), ClusterServers.AlphaKey);
        await using var app = services.BuildServiceProvider();
        await using var lease = await app.GetRequiredService<IGpuPool>().LeaseAsync(Support.PoolApp.On(2));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(Features, 4), "linear"));
        var front = servers.Services(0).GetRequiredService<BulkRunStatistics>();
        var owner = servers.Services(2).GetRequiredService<BulkRunStatistics>();
        var x = TestModels.Weights(3, 512 * Features); // 512 KiB: a bulk run
        var inputs = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(x, 512, Features) };

        // As if the grant had named another node: node-0 (whose bulk endpoint the session named) refuses the bulk run
        // with the owner's address; the run follows it (over gRPC, which tells the SDK node-2's bulk endpoint).
        ((RemoteLease)lease).OwnerAddress = servers.Address(0).ToString();
        var first = await model.RunAsync(inputs);
        var second = await model.RunAsync(inputs);

        Assert.Equal(1, front.RefusedRuns);
        Assert.Equal(0, front.Runs);
        Assert.Equal(1, owner.Runs);
        Assert.True(PoolAddresses.Same(servers.Address(2).ToString(), ((RemoteLease)lease).OwnerAddress));
        Assert.Equal(first["y"].Data.ToArray(), second["y"].Data.ToArray());
        var expected = TestModels.LinearReference(x, 512, Features, 4);
        var actual = second["y"].ToArray<float>();
        Assert.All(expected.Zip(actual), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4 * Math.Max(1, Math.Abs(p.First))));
    }
}
