namespace GpuPool.Runtime.Placement;

internal sealed partial class FragmentIndex
{
    /// <summary>
    /// How much placing <paramref name="request"/> on <paramref name="devices"/> of <paramref name="slot"/>
    /// changes the node's expected fragmentation (negative: it gets better).
    /// </summary>
    public double Delta(NodeSlot slot, in PlacementRequest request, ReadOnlySpan<int> devices)
    {
        var node = slot.Index;
        long cpuBefore = slot.FreeCpuMilli, hostBefore = slot.FreeHostMemoryBytes;
        long cpuAfter = cpuBefore - request.CpuMilli, hostAfter = hostBefore - request.HostMemoryBytes;
        var freeBefore = _free[node];
        var freeAfter = freeBefore - ((long)request.Milli * devices.Length);
        var usable = _usable[node];
        var count = _count[node];
        var offset = _deviceOffset[node];
        double delta = 0;
        for (var i = 0; i < _activeCount; i++)
        {
            var m = _active[i];
            int u = usable[m], c = count[m];
            var before = Fragment(m, cpuBefore, hostBefore, slot, freeBefore, u, c);
            var accepts = _accepts[m];
            foreach (var d in devices)
            {
                if (accepts is not null && !accepts[offset + d])
                {
                    continue;
                }

                var device = slot.Devices[d];
                if (Usable(m, false, device.IsEntirelyFree, device.FreeMilli, device.FreeMemoryBytes))
                {
                    u -= device.FreeMilli;
                    c--;
                }

                var milliAfter = device.FreeMilli - request.Milli;
                var memoryAfter = device.FreeMemoryBytes - (request.WholeDevices && request.MemoryBytes == 0 ? device.FreeMemoryBytes : request.MemoryBytes);
                if (Usable(m, false, false, milliAfter, memoryAfter))
                {
                    u += milliAfter;
                    c++;
                }
            }

            var after = Fragment(m, cpuAfter, hostAfter, slot, freeAfter, u, c);
            delta += _weights[m] * (after - before);
        }

        return delta;
    }

    /// <summary>
    /// The placement with the lowest score, where the score is the fragmentation delta plus whatever
    /// <paramref name="adjust"/> adds for the node; exact ties go to a random candidate.
    /// </summary>
    public PlacementChoice? ChooseLeastDelta(in PlacementRequest request, Random random, Func<NodeSlot, double, double>? adjust = null)
    {
        var ties = new TieBreaker();
        var bestNode = -1;
        int[]? bestDevices = null;
        Span<int> one = stackalloc int[1];
        foreach (var slot in _allocator.Nodes)
        {
            if (!slot.HasHostResourcesFor(request))
            {
                continue;
            }

            if (request.DeviceCount == 0 || request.WholeDevices)
            {
                if (request.DeviceCount > 0 && PlacementMath.CountWhole(slot, request) < request.DeviceCount)
                {
                    continue;
                }

                var devices = PlacementMath.FirstWhole(slot, request);
                var score = Delta(slot, request, devices);
                if (ties.Offer(adjust is null ? score : adjust(slot, score), random))
                {
                    bestNode = slot.Index;
                    bestDevices = devices;
                }

                continue;
            }

            var deviceList = slot.Devices;
            for (var d = 0; d < deviceList.Count; d++)
            {
                var device = deviceList[d];
                if (!SliceAllocator.Fits(device, request) || SameAsEarlier(slot, d, request))
                {
                    continue;
                }

                one[0] = d;
                var score = Delta(slot, request, one);
                if (ties.Offer(adjust is null ? score : adjust(slot, score), random))
                {
                    bestNode = slot.Index;
                    bestDevices = [d];
                }
            }
        }

        return bestNode < 0 ? null : new PlacementChoice(bestNode, bestDevices!);
    }

    // Devices in the same state score the same, so only the first of them is scored (a device-id
    // constraint in the mix could make them differ slightly; that only affects the score, never validity).
    private static bool SameAsEarlier(NodeSlot slot, int d, in PlacementRequest request)
    {
        var device = slot.Devices[d];
        for (var e = 0; e < d; e++)
        {
            var other = slot.Devices[e];
            if (other.FreeMilli == device.FreeMilli
                && other.FreeMemoryBytes == device.FreeMemoryBytes
                && other.Allocations == device.Allocations
                && string.Equals(other.Descriptor.Model, device.Descriptor.Model, StringComparison.Ordinal)
                && SliceAllocator.Fits(other, request))
            {
                return true;
            }
        }

        return false;
    }
}
