using GpuPool.Cluster.Store;
using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// Runs the engine's placement policy over the whole pool: an allocator over every live node's devices (and
/// its CPU and host memory), loaded with what the live leases take, asked where the request goes. The grant
/// transaction checks the choice again under row locks; this only decides.
/// </summary>
internal sealed class ClusterPlacer(Func<IPlacementPolicy> policies)
{
    /// <summary>
    /// The node and devices placement chooses, or <see langword="null"/> when nothing in the pool fits now;
    /// <paramref name="busy"/> devices (another grant holds them this moment) are left out, as if draining.
    /// </summary>
    /// <exception cref="InvalidPoolRequestException">No device in the pool could ever hold the request.</exception>
    public PlacementDecision? Choose(IReadOnlyList<PoolDevice> pool, in PlacementRequest request, IReadOnlySet<(string Node, string Device)>? busy = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Count == 0)
        {
            return null; // no live node now: capacity, not a malformed request
        }

        var nodes = pool.GroupBy(d => d.NodeId, StringComparer.Ordinal).ToList();
        var allocator = new SliceAllocator([.. nodes.Select(g => new NodeCapacity(g.Key, [.. g.Select(d => d.Descriptor)], g.First().NodeCpuMilli, g.First().NodeHostMemoryBytes))], policies());
        for (var n = 0; n < nodes.Count; n++)
        {
            var devices = nodes[n].ToList();
            var host = devices[0];
            if (host.NodeUsedCpuMilli > 0 || host.NodeUsedHostMemoryBytes > 0)
            {
                // What the node's live leases take of its CPU and host memory (at most all of it: the grant re-checks).
                allocator.TryAllocateOn(new PlacementChoice(n, []), new PlacementRequest
                {
                    CpuMilli = (int)Math.Min(host.NodeUsedCpuMilli, host.NodeCpuMilli),
                    HostMemoryBytes = Math.Min(host.NodeUsedHostMemoryBytes, host.NodeHostMemoryBytes),
                });
            }

            for (var d = 0; d < devices.Count; d++)
            {
                var device = devices[d];
                if (device.Leases > 0)
                {
                    var used = new PlacementRequest { MemoryBytes = device.UsedMemoryBytes, Milli = Math.Max(device.UsedMilli, 1), DeviceCount = 1 };
                    allocator.TryAllocateOn(new PlacementChoice(n, [d]), used);
                }

                if (device.Draining || busy?.Contains((device.NodeId, device.Descriptor.Id)) == true)
                {
                    allocator.SetDraining(device.NodeId, device.Descriptor.Id, draining: true);
                }
            }
        }

        if (!allocator.CouldEverFit(request))
        {
            throw NeverFits(request);
        }

        if (allocator.TryAllocate(request) is not { } allocation)
        {
            return null;
        }

        var node = nodes[allocation.Node].Key;
        return new PlacementDecision(node, [.. allocation.Descriptors.Select(d => d.Id)], allocation.MemoryBytes);
    }

    /// <summary>The error for a request no device in the pool could ever hold.</summary>
    public static InvalidPoolRequestException NeverFits(in PlacementRequest request) => new(
        $"No device in the pool can ever hold the request ({ByteSize.Format(request.MemoryBytes)}, {request.Milli} milli on {request.DeviceCount} device(s)): check it against the inventory.");
}
