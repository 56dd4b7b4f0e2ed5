namespace GpuPool.Runtime.Placement;

/// <summary>
/// Best fit: a share goes to the feasible device with the least compute left after placing it (then
/// the least memory); whole devices go to the node with the fewest entirely free devices that still
/// has enough.
/// </summary>
public sealed class BestFitPolicy : IPlacementPolicy
{
    /// <inheritdoc />
    public string Name => "BestFit";

    /// <inheritdoc />
    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        return request.WholeDevices ? ChooseWhole(request, allocator) : ChooseShare(request, allocator);
    }

    private static PlacementChoice? ChooseShare(in PlacementRequest request, SliceAllocator allocator)
    {
        DeviceSlot? best = null;
        foreach (var node in allocator.Nodes)
        {
            if (!node.HasHostResourcesFor(request))
            {
                continue;
            }

            foreach (var device in node.Devices)
            {
                if (SliceAllocator.Fits(device, request)
                    && (best is null
                        || device.FreeMilli < best.FreeMilli
                        || (device.FreeMilli == best.FreeMilli && device.FreeMemoryBytes < best.FreeMemoryBytes)))
                {
                    best = device;
                }
            }
        }

        return best is null ? null : new PlacementChoice(best.Node, [best.Index]);
    }

    private static PlacementChoice? ChooseWhole(in PlacementRequest request, SliceAllocator allocator)
    {
        NodeSlot? bestNode = null;
        var bestFree = int.MaxValue;
        foreach (var node in allocator.Nodes)
        {
            if (!node.HasHostResourcesFor(request))
            {
                continue;
            }

            var free = 0;
            foreach (var device in node.Devices)
            {
                if (SliceAllocator.FitsWhole(device, request))
                {
                    free++;
                }
            }

            if (free >= request.DeviceCount && free < bestFree)
            {
                bestNode = node;
                bestFree = free;
            }
        }

        if (bestNode is null)
        {
            return null;
        }

        var chosen = new int[request.DeviceCount];
        var taken = 0;
        foreach (var device in bestNode.Devices)
        {
            if (taken < chosen.Length && SliceAllocator.FitsWhole(device, request))
            {
                chosen[taken++] = device.Index;
            }
        }

        return new PlacementChoice(bestNode.Index, chosen);
    }
}
