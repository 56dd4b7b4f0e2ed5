using System.Runtime.InteropServices;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Client.Routing.Tests.Support;

/// <summary>An application of the pool: the SDK pointed at some of the servers, and the QuickStart model.</summary>
internal sealed class PoolApp : IAsyncDisposable
{
    public const int In = 4;
    public const int Out = 2;
    private readonly ServiceProvider _services;

    private PoolApp(ServiceProvider services)
    {
        _services = services;
        Pool = services.GetRequiredService<IGpuPool>();
    }

    public IGpuPool Pool { get; }

    public static byte[] Model { get; } = TestModels.Linear(In, Out);

    public static SliceRequest Quarter { get; } = SliceRequest.ForShare(ByteSize.GiB(2), 250) with { TimeToLive = TimeSpan.FromMinutes(1) };

    public static SliceRequest On(int node) => Quarter with { Constraints = new DeviceConstraints { Node = ClusterServers.Node(node) } };

    /// <summary>The SDK configured with the addresses of <paramref name="servers"/> (every one when none is named).</summary>
    public static PoolApp Start(ClusterServers servers, params int[] indexes)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServers(indexes.Select(servers.Address), ClusterServers.AlphaKey);
        return new PoolApp(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
    }

    /// <summary>Loads the QuickStart model into <paramref name="lease"/>, runs it once and checks the answer.</summary>
    public static async Task RunQuickStartAsync(GpuLease lease)
    {
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(Model, "linear"));
        var x = new float[] { 1, 2, 3, 4 };
        var outputs = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(x, 1, In) });
        Assert.Equal(TestModels.LinearReference(x, 1, In, Out), MemoryMarshal.Cast<byte, float>(outputs["y"].Data.Span).ToArray());
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
