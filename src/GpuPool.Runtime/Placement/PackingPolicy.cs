namespace GpuPool.Runtime.Placement;

/// <summary>
/// GPU packing: a share prefers a device that is already partly used, then a free device on a node
/// already in use, then an idle node; whole devices prefer a node already in use. Within a tier the
/// node is chosen at random; a share takes the best-fit device of its tier.
/// </summary>
internal sealed class PackingPolicy(int seed) : IPlacementPolicy
{
    private readonly Random _random = new(seed);

    public string Name => "Packing";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        var ties = new TieBreaker();
        NodeSlot? best = null;
        foreach (var node in allocator.NodeArray)
        {
            if (PlacementMath.Feasible(node, request) && ties.Offer(Tier(node, request), _random))
            {
                best = node;
            }
        }

        if (best is null)
        {
            return null;
        }

        if (request.WholeDevices || request.DeviceCount == 0)
        {
            return new PlacementChoice(best.Index, PlacementMath.BestFitDevices(best, request));
        }

        // Best fit among partly used devices first (a share never lands on a free device while a used one fits).
        var chosen = -1;
        for (var d = 0; d < best.Devices.Count; d++)
        {
            var device = best.Devices[d];
            if (SliceAllocator.Fits(device, request) && !device.IsEntirelyFree
                && (chosen < 0 || device.FreeMilli < best.Devices[chosen].FreeMilli))
            {
                chosen = d;
            }
        }

        return chosen >= 0 ? new PlacementChoice(best.Index, [chosen]) : new PlacementChoice(best.Index, PlacementMath.BestFitDevices(best, request));
    }

    private static int Tier(NodeSlot node, in PlacementRequest request)
    {
        if (request.DeviceCount > 0 && !request.WholeDevices)
        {
            foreach (var device in node.DeviceArray)
            {
                if (!device.IsEntirelyFree && SliceAllocator.Fits(device, request))
                {
                    return 0;
                }
            }
        }

        return PlacementMath.InUse(node) ? 1 : 2;
    }
}
