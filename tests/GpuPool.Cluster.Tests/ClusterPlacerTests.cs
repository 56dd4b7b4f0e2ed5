using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Tests;

public sealed class ClusterPlacerTests
{
    private static readonly ClusterPlacer Placer = new(() => PlacementPolicies.Create(PlacementPolicies.Default));

    private static IReadOnlyList<PoolDevice> ThreeNodes(int usedMilliOnFirst = 0) =>
    [
        .. Enumerable.Range(0, 3).SelectMany(n => Enumerable.Range(0, 2).Select(d =>
            new PoolDevice($"node-{n}", $"http://n{n}", 1, Pool.Gpu($"node-{n}", $"sim{d}", 16), false, 0, n == 0 && d == 0 ? usedMilliOnFirst : 0, n == 0 && d == 0 && usedMilliOnFirst > 0 ? 1 : 0))),
    ];

    [Fact]
    public void Choose_NodeConstraint_PicksADeviceOfThatNode()
    {
        var request = PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(2), 250) with { Constraints = new DeviceConstraints { Node = "node-2" } });

        var decision = Placer.Choose(ThreeNodes(), request);

        Assert.Equal("node-2", decision!.NodeId);
    }

    [Fact]
    public void Choose_DeviceFull_PicksAnother()
    {
        var request = PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(2), 250) with { Constraints = new DeviceConstraints { Node = "node-0" } });

        var decision = Placer.Choose(ThreeNodes(usedMilliOnFirst: 1000), request);

        Assert.Equal(["sim1"], decision!.DeviceIds);
    }

    [Fact]
    public void Choose_EmptyPool_ReturnsNull() =>
        Assert.Null(Placer.Choose([], PlacementRequest.From(SliceRequest.ForShare(ByteSize.GiB(2), 250))));
}
