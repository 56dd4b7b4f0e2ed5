using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Tests.Placing;

public sealed class PlacementConstraintTests
{
    public static TheoryData<string> Policies() => new(PlacementPolicies.Names);

    [Theory]
    [MemberData(nameof(Policies))]
    public void ModelConstraint_PlacesOnlyOnAcceptedModels_AndFailsWhenTheyAreFull(string policy)
    {
        var allocator = new SliceAllocator([PlacementCluster.Node("g2", 8, model: "G2"), PlacementCluster.Node("t4", 2, model: "T4")], PlacementPolicies.Create(policy));

        var first = allocator.TryAllocate(PlacementCluster.Whole(1, models: "t4"));
        var second = allocator.TryAllocate(PlacementCluster.Share(300, 0, 0, "T4"));
        var third = allocator.TryAllocate(PlacementCluster.Share(800, 0, 0, "T4"));

        Assert.Equal("t4", allocator.Nodes[first!.Node].Name);
        Assert.Equal("t4", allocator.Nodes[second!.Node].Name);
        Assert.Null(third);
        Assert.NotNull(allocator.TryAllocate(PlacementCluster.Share(800)));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void MultiGpu_NeedsEntirelyFreeDevicesOnOneNode(string policy)
    {
        var allocator = new SliceAllocator([PlacementCluster.Node("a", 2), PlacementCluster.Node("b", 2)], PlacementPolicies.Create(policy));
        var share = allocator.TryAllocate(PlacementCluster.Share(100));

        Assert.Null(allocator.TryAllocate(PlacementCluster.Whole(3)));
        var pair = allocator.TryAllocate(PlacementCluster.Whole(2));

        Assert.NotNull(pair);
        Assert.NotEqual(share!.Node, pair.Node);
        Assert.Equal([0, 1], pair.Devices.Order());
        Assert.Null(allocator.TryAllocate(PlacementCluster.Whole(2)));
        Assert.NotNull(allocator.TryAllocate(PlacementCluster.Whole(1)));
        Assert.Null(allocator.TryAllocate(PlacementCluster.Whole(1)));
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void CpuAndHostMemory_AreConsumedWhereTheNodeDeclaresThem(string policy)
    {
        var allocator = new SliceAllocator([PlacementCluster.Node("small", 4, cpuMilli: 8000, hostMemoryBytes: 16 * PlacementCluster.MiB)], PlacementPolicies.Create(policy));

        Assert.NotNull(allocator.TryAllocate(PlacementCluster.Share(100, 6000, 8 * PlacementCluster.MiB)));
        Assert.Null(allocator.TryAllocate(PlacementCluster.Share(100, 3000)));
        Assert.Null(allocator.TryAllocate(PlacementCluster.HostOnly(1000, 9 * PlacementCluster.MiB)));
        Assert.NotNull(allocator.TryAllocate(PlacementCluster.HostOnly(2000, 8 * PlacementCluster.MiB)));
        Assert.Null(allocator.TryAllocate(PlacementCluster.Whole(1, 1)));
        Assert.Equal(0, allocator.Nodes[0].FreeCpuMilli);
        Assert.False(allocator.CouldEverFit(PlacementCluster.Share(100, 9000)));
        Assert.True(allocator.CouldEverFit(PlacementCluster.Share(100, 8000)));
    }

    [Fact]
    public void NodeWithoutDeclaredCpu_IsNotCheckedForCpu()
    {
        var allocator = new SliceAllocator([PlacementCluster.Node("open", 1)], PlacementPolicies.Create(PlacementPolicies.Default));

        Assert.NotNull(allocator.TryAllocate(PlacementCluster.Share(500, 1_000_000)));
    }

    [Fact]
    public void Allocator_RejectsAChoiceThatDoesNotFit()
    {
        var policy = new ScriptedPolicy();
        var allocator = new SliceAllocator([PlacementCluster.Node("a", 2, cpuMilli: 4000)], policy);
        policy.Next = new PlacementChoice(0, [0]);
        Assert.NotNull(allocator.TryAllocate(PlacementCluster.Share(700)));

        Assert.Null(allocator.TryAllocate(PlacementCluster.Share(400)));
        Assert.Null(allocator.TryAllocate(PlacementCluster.Whole(1)));
        policy.Next = new PlacementChoice(0, [1, 1]);
        Assert.Null(allocator.TryAllocate(PlacementCluster.Whole(2)));
        policy.Next = new PlacementChoice(0, [1]);
        Assert.Null(allocator.TryAllocate(PlacementCluster.Share(100, 5000)));
        Assert.Equal(1000, allocator.Nodes[0].Devices[1].FreeMilli);
    }

    [Fact]
    public void UnknownPolicy_NamesTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => PlacementPolicies.Create("Nope"));

        Assert.Contains("FragmentAware", error.Message, StringComparison.Ordinal);
        Assert.IsType<FragmentAwarePolicy>(PlacementPolicies.Create(PlacementPolicies.Default));
    }
}
