using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Tests.Placing;

public sealed class ModelPressureTests
{
    [Fact]
    public void Pressure_IsRestrictedDemandProjectedOntoFreeCapacity_SplitBySupply()
    {
        var allocator = new SliceAllocator([PlacementCluster.Node("g2", 4, model: "G2"), PlacementCluster.Node("t4", 1, model: "T4")], new BestFitPolicy(1));
        var pressure = new ModelPressure(allocator);
        var mix = new ShapeMix();
        mix.Add(PlacementCluster.Whole(1, models: "T4"), 1);
        mix.Add(PlacementCluster.Whole(1), 8);
        mix.Add(PlacementCluster.Whole(1, models: ["G2", "T4"]), 1);

        pressure.Learn(mix);

        // T4-only: 10% of the demand, all on T4; G2|T4: 10%, split 4:1 by supply -> T4 gets 12%, G2 8%.
        // Free 5,000 milli: T4 reserve 600 of its 1,000 free; G2 reserve 400 of 4,000.
        Assert.Equal(0.6, pressure.Of(1), 6);
        Assert.Equal(0.1, pressure.Of(0), 6);

        var taken = allocator.TryAllocate(PlacementCluster.Whole(2));
        pressure.Update(allocator.Nodes[taken!.Node]);

        // Free 3,000: T4 reserve 360 of 1,000; G2 reserve 240 of 2,000.
        Assert.Equal(0.36, pressure.Of(1), 6);
        Assert.Equal(0.12, pressure.Of(0), 6);
    }

    [Fact]
    public void Default_LeavesTheScarceModelToRestrictedRequests()
    {
        // Restricted T4 requests are a large part of the learned mix; unrestricted shares then go to G2
        // even though the T4 node is the tighter fit.
        var allocator = new SliceAllocator(
            [PlacementCluster.Node("g2", 8, 96_000, model: "G2"), PlacementCluster.Node("t4", 2, 104_000, model: "T4")],
            PlacementPolicies.Create(PlacementPolicies.Default, 3));
        Assert.Equal("t4", allocator.Nodes[allocator.TryAllocate(PlacementCluster.Share(500, 4000, 0, "T4"))!.Node].Name);
        Assert.Equal("t4", allocator.Nodes[allocator.TryAllocate(PlacementCluster.Share(500, 4000, 0, "T4"))!.Node].Name);

        for (var i = 0; i < 6; i++)
        {
            var unrestricted = allocator.TryAllocate(PlacementCluster.Share(500, 4000));
            Assert.Equal("g2", allocator.Nodes[unrestricted!.Node].Name);
        }

        Assert.Equal("t4", allocator.Nodes[allocator.TryAllocate(PlacementCluster.Share(500, 4000, 0, "T4"))!.Node].Name);
    }
}
