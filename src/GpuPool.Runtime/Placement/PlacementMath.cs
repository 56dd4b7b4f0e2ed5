namespace GpuPool.Runtime.Placement;

/// <summary>Feasibility and device picking shared by the policies.</summary>
internal static class PlacementMath
{
    /// <summary>Whether the node can hold the request now (host resources and devices).</summary>
    public static bool Feasible(NodeSlot node, in PlacementRequest request)
    {
        if (!node.HasHostResourcesFor(request))
        {
            return false;
        }

        if (request.DeviceCount == 0)
        {
            return true;
        }

        if (!request.WholeDevices)
        {
            foreach (var device in node.DeviceArray)
            {
                if (SliceAllocator.Fits(device, request))
                {
                    return true;
                }
            }

            return false;
        }

        return CountWhole(node, request) >= request.DeviceCount;
    }

    /// <summary>Entirely free devices of the node that the request accepts.</summary>
    public static int CountWhole(NodeSlot node, in PlacementRequest request)
    {
        var free = 0;
        foreach (var device in node.DeviceArray)
        {
            if (SliceAllocator.FitsWhole(device, request))
            {
                free++;
            }
        }

        return free;
    }

    /// <summary>GPU milli not granted on the node's devices that take allocations.</summary>
    public static long FreeMilli(NodeSlot node)
    {
        long free = 0;
        foreach (var device in node.DeviceArray)
        {
            if (!device.Draining)
            {
                free += device.FreeMilli;
            }
        }

        return free;
    }

    /// <summary>Whether anything is allocated on the node's devices.</summary>
    public static bool InUse(NodeSlot node)
    {
        foreach (var device in node.DeviceArray)
        {
            if (device.Allocations > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The devices for a feasible request: the best-fit device for a share, the first free ones for whole devices.</summary>
    public static int[] BestFitDevices(NodeSlot node, in PlacementRequest request)
    {
        if (request.DeviceCount == 0)
        {
            return [];
        }

        if (request.WholeDevices)
        {
            return FirstWhole(node, request);
        }

        var best = -1;
        for (var d = 0; d < node.Devices.Count; d++)
        {
            var device = node.Devices[d];
            if (SliceAllocator.Fits(device, request)
                && (best < 0
                    || device.FreeMilli < node.Devices[best].FreeMilli
                    || (device.FreeMilli == node.Devices[best].FreeMilli && device.FreeMemoryBytes < node.Devices[best].FreeMemoryBytes)))
            {
                best = d;
            }
        }

        return best < 0 ? [] : [best];
    }

    /// <summary>Random devices that fit a feasible request.</summary>
    public static int[] RandomDevices(NodeSlot node, in PlacementRequest request, Random random)
    {
        var fitting = new List<int>(node.Devices.Count);
        for (var d = 0; d < node.Devices.Count; d++)
        {
            if (request.WholeDevices ? SliceAllocator.FitsWhole(node.Devices[d], request) : SliceAllocator.Fits(node.Devices[d], request))
            {
                fitting.Add(d);
            }
        }

        var chosen = new int[request.DeviceCount];
        for (var i = 0; i < chosen.Length; i++)
        {
            var pick = random.Next(i, fitting.Count);
            (fitting[i], fitting[pick]) = (fitting[pick], fitting[i]);
            chosen[i] = fitting[i];
        }

        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>The first <see cref="PlacementRequest.DeviceCount"/> entirely free devices that fit.</summary>
    public static int[] FirstWhole(NodeSlot node, in PlacementRequest request)
    {
        var chosen = new int[request.DeviceCount];
        var taken = 0;
        for (var d = 0; d < node.Devices.Count && taken < chosen.Length; d++)
        {
            if (SliceAllocator.FitsWhole(node.Devices[d], request))
            {
                chosen[taken++] = d;
            }
        }

        return chosen;
    }
}
