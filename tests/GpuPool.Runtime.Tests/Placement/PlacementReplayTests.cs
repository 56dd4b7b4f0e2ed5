using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Tests.Placing;

/// <summary>Small replays whose outcome is worked out by hand, and determinism for a fixed seed.</summary>
public sealed class PlacementReplayTests
{
    private static NodeCapacity[] HandCluster() =>
    [
        PlacementCluster.Node("a", 2, cpuMilli: 8000),
        PlacementCluster.Node("b", 1, cpuMilli: 32_000),
    ];

    [Fact]
    public void BestFit_SmallReplay_MatchesTheHandWorkedResult()
    {
        // Largest node: 32,000 CPU milli, 2,000 GPU milli. Score = 0.5 × CPU left / 32,000 + 0.5 × GPU left / 2,000.
        // 1: share 600, cpu 2000 -> a 0.44375, b 0.56875: a, device 0 (tie on free milli: first).
        // 2: share 500, cpu 1000 -> a (device 1 only) 0.303125, b 0.609375: a/1.
        // 3: whole 1, cpu 4000 -> a has no free device: b/0.
        // 4: share 400, cpu 1000 -> only a; best-fit device is 0 (400 free) over 1 (500 free).
        // 5: share 600 -> nothing has 600 free: dropped.
        // 6: host only, cpu 5000 -> a has 4000 left: b.
        // Allocated 600 + 500 + 1000 + 400 = 2,500 of 3,000 milli: 16.67% unallocated.
        var allocator = new SliceAllocator(HandCluster(), new BestFitPolicy(1));
        PlacementRequest[] tasks =
        [
            PlacementCluster.Share(600, 2000), PlacementCluster.Share(500, 1000), PlacementCluster.Whole(1, 4000),
            PlacementCluster.Share(400, 1000), PlacementCluster.Share(600, 1000), PlacementCluster.HostOnly(5000),
        ];

        var placed = tasks.Select(t => allocator.TryAllocate(t)).Select(a => a is null ? "-" : $"{allocator.Nodes[a.Node].Name}/{string.Join(';', a.Devices)}").ToArray();
        var allocated = allocator.Nodes.Sum(n => n.Devices.Sum(d => SliceRequest.FullDeviceMilli - d.FreeMilli));

        Assert.Equal(["a/0", "a/1", "b/0", "a/0", "-", "b/"], placed);
        Assert.Equal(2500, allocated);
        Assert.Equal(16.67, Math.Round(100 - (allocated * 100.0 / 3000), 2));
        Assert.Equal(4000, allocator.Nodes[0].FreeCpuMilli);
        Assert.Equal(23_000, allocator.Nodes[1].FreeCpuMilli);
    }

    [Fact]
    public void FragmentAware_KeepsWholeDevicesFree_AndSendsHostOnlyWorkToTheCpuRichNode()
    {
        // A 300 share completes the device that holds a 700 share instead of breaking a free device, and a
        // host-only task goes to b (CPU to spare per GPU), not to a, whose 16 cores are what feed its GPUs.
        var allocator = new SliceAllocator(
            [PlacementCluster.Node("a", 2, cpuMilli: 16_000), PlacementCluster.Node("b", 2, cpuMilli: 64_000)],
            PlacementPolicies.Create(PlacementPolicies.Default, 1));
        var first = allocator.TryAllocate(PlacementCluster.Share(700, 4000));
        var fill = allocator.TryAllocate(PlacementCluster.Share(300, 4000));
        var cpu = allocator.TryAllocate(PlacementCluster.HostOnly(8000));

        Assert.Equal((first!.Node, first.Devices[0]), (fill!.Node, fill.Devices[0]));
        Assert.Equal("b", allocator.Nodes[cpu!.Node].Name);
    }

    [Theory]
    [InlineData("Default")]
    [InlineData("FGD")]
    [InlineData("Random")]
    [InlineData("BestFit")]
    public void SameSeed_SamePlacements(string policy)
    {
        Assert.Equal(Replay(policy, 5), Replay(policy, 5));
    }

    [Fact]
    public void DifferentSeed_RandomPlacesDifferently()
    {
        Assert.NotEqual(Replay("Random", 5), Replay("Random", 6));
    }

    private static string Replay(string policy, int seed)
    {
        var allocator = new SliceAllocator(
            [PlacementCluster.Node("a", 8, 96_000), PlacementCluster.Node("b", 8, 96_000), PlacementCluster.Node("c", 2, 104_000, model: "T4")],
            PlacementPolicies.Create(policy, seed));
        var random = new Random(99);
        var placed = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var request = random.Next(3) switch
            {
                0 => PlacementCluster.Share(random.Next(1, 10) * 100, 4000),
                1 => PlacementCluster.Whole(1, 8000),
                _ => PlacementCluster.HostOnly(2000),
            };
            placed.Add(allocator.TryAllocate(request) is { } a ? $"{a.Node}:{string.Join(';', a.Devices)}" : "-");
        }

        return string.Join(',', placed);
    }
}
