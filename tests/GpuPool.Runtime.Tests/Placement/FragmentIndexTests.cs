using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Tests.Placing;

/// <summary>The incremental fragmentation index agrees with recomputation from scratch.</summary>
public sealed class FragmentIndexTests
{
    [Fact]
    public void Delta_EqualsFragmentationAfterMinusBefore_OverARandomStream()
    {
        NodeCapacity[] nodes =
        [
            PlacementCluster.Node("a", 8, 64_000, 256 * PlacementCluster.MiB, "G2"),
            PlacementCluster.Node("b", 2, 96_000, 512 * PlacementCluster.MiB, "T4"),
            PlacementCluster.Node("c", 4, 16_000, 64 * PlacementCluster.MiB, "V100"),
        ];
        var random = new Random(7);
        PlacementRequest[] shapes =
        [
            PlacementCluster.Share(500, 4000), PlacementCluster.Share(250, 12_000), PlacementCluster.Share(810, 2000, 0, "T4"),
            PlacementCluster.Whole(1, 8000), PlacementCluster.Whole(2, 16_000, 0, "G2", "V100"), PlacementCluster.HostOnly(6000),
        ];
        var mix = ShapeMix.From(shapes.Concat(shapes.Take(3)));
        var policy = new RandomPolicy(3);
        var scripted = new ScriptedPolicy();
        var allocator = new SliceAllocator(nodes, scripted);
        var index = new FragmentIndex(allocator, mix);
        index.Refresh();
        for (var step = 0; step < 400; step++)
        {
            var request = shapes[random.Next(shapes.Length)];
            if (policy.Choose(request, allocator) is not { } choice)
            {
                continue;
            }

            var node = allocator.Nodes[choice.Node];
            var before = index.Fragmentation(choice.Node);
            var predicted = index.Delta(node, request, choice.Devices);
            scripted.Next = choice;
            Assert.NotNull(allocator.TryAllocate(request));
            var fresh = new FragmentIndex(allocator, mix);
            fresh.Refresh();
            index.Update(choice.Node);
            Assert.Equal(fresh.Fragmentation(choice.Node), index.Fragmentation(choice.Node), 6);
            Assert.True(Math.Abs(index.Fragmentation(choice.Node) - before - predicted) < 1e-6, $"step {step}: predicted {predicted}, actual {index.Fragmentation(choice.Node) - before}");
        }
    }
}
