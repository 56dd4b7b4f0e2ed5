using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Tests.Placing;

/// <summary>Random request streams (allocations and releases) against every registered policy.</summary>
public sealed class SliceAllocatorPropertyTests
{
    public static TheoryData<string, int> PoliciesAndSeeds()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in PlacementPolicies.Names)
        {
            for (var seed = 1; seed <= 3; seed++)
            {
                data.Add(name, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PoliciesAndSeeds))]
    public void RandomStream_NeverOverCommits_AndPlacesWheneverSomethingFits(string policy, int seed)
    {
        NodeCapacity[] nodes =
        [
            PlacementCluster.Node("a", 8, 64_000, 256 * PlacementCluster.MiB, "G2"),
            PlacementCluster.Node("b", 2, 96_000, 512 * PlacementCluster.MiB, "T4"),
            PlacementCluster.Node("c", 4, 16_000, 64 * PlacementCluster.MiB, "V100"),
            PlacementCluster.Node("d", 1, 8_000, 32 * PlacementCluster.MiB, "T4"),
        ];
        var allocator = new SliceAllocator(nodes, PlacementPolicies.Create(policy, seed));
        var random = new Random(seed);
        var live = new List<(Allocation Allocation, PlacementRequest Request)>();
        for (var step = 0; step < 3000; step++)
        {
            if (live.Count > 0 && random.NextDouble() < 0.35)
            {
                var k = random.Next(live.Count);
                allocator.Free(live[k].Allocation);
                live.RemoveAt(k);
            }
            else
            {
                var request = RandomRequest(random);
                var feasible = allocator.NodeArray.Any(n => PlacementMath.Feasible(n, request));
                var allocation = allocator.TryAllocate(request);
                Assert.Equal(feasible, allocation is not null);
                if (allocation is not null)
                {
                    AssertHonours(request, allocation, nodes);
                    live.Add((allocation, request));
                }
            }

            AssertBooksBalance(allocator, nodes, live);
        }
    }

    private static PlacementRequest RandomRequest(Random random)
    {
        var cpu = random.Next(0, 24) * 1000;
        var host = random.Next(0, 64) * PlacementCluster.MiB;
        string[] models = random.Next(5) switch
        {
            0 => ["T4"],
            1 => ["G2", "V100"],
            _ => [],
        };
        return random.Next(10) switch
        {
            < 5 => PlacementCluster.Share(random.Next(1, 100) * 10, cpu, host, models),
            < 8 => PlacementCluster.Whole(1, cpu, host, models),
            8 => PlacementCluster.Whole(random.Next(2, 9), cpu, host, models),
            _ => PlacementCluster.HostOnly(cpu, host),
        };
    }

    private static void AssertHonours(in PlacementRequest request, Allocation allocation, NodeCapacity[] nodes)
    {
        Assert.Equal(request.DeviceCount, allocation.Devices.Count);
        Assert.Equal(allocation.Devices.Count, allocation.Devices.Distinct().Count());
        foreach (var descriptor in allocation.Descriptors)
        {
            Assert.Equal(nodes[allocation.Node].Name, descriptor.Node);
            Assert.True(request.Constraints?.Accepts(descriptor) ?? true, $"{descriptor.Model} violates the model constraint");
        }
    }

    private static void AssertBooksBalance(SliceAllocator allocator, NodeCapacity[] nodes, List<(Allocation Allocation, PlacementRequest Request)> live)
    {
        for (var n = 0; n < nodes.Length; n++)
        {
            var node = allocator.Nodes[n];
            var mine = live.Where(l => l.Allocation.Node == n).ToList();
            Assert.Equal(nodes[n].CpuMilli - mine.Sum(l => (long)l.Request.CpuMilli), node.FreeCpuMilli);
            Assert.Equal(nodes[n].HostMemoryBytes - mine.Sum(l => l.Request.HostMemoryBytes), node.FreeHostMemoryBytes);
            Assert.InRange(node.FreeCpuMilli, 0, nodes[n].CpuMilli);
            Assert.InRange(node.FreeHostMemoryBytes, 0, nodes[n].HostMemoryBytes);
            for (var d = 0; d < node.Devices.Count; d++)
            {
                var on = mine.Where(l => l.Allocation.Devices.Contains(d)).ToList();
                var device = node.Devices[d];
                Assert.Equal(SliceRequest.FullDeviceMilli - on.Sum(l => l.Allocation.Milli), device.FreeMilli);
                Assert.InRange(device.FreeMilli, 0, SliceRequest.FullDeviceMilli);
                Assert.InRange(device.FreeMemoryBytes, 0, device.Descriptor.TotalMemoryBytes);
                Assert.Equal(on.Count, device.Allocations);
                Assert.True(on.Count <= 1 || on.All(l => !l.Request.WholeDevices), "a whole device is shared");
            }
        }
    }
}
