namespace GpuPool.Runtime.Placement;

internal sealed partial class FragmentIndex
{
    private const int Infeasible = -2;
    private const int NoDevice = -1;
    private const int MaxCachedShapes = 1024;
    private readonly Dictionary<RequestShape, FragmentScoreCache> _caches = [];
    private readonly long[] _nodeStamp;
    private readonly Dictionary<long, int> _sameState = [];
    private long _clock = 1;
    private long _epochStamp;

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
        var deviceArray = slot.DeviceArray;
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

                var device = deviceArray[d];
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
    /// <paramref name="adjust"/> adds for the node; exact ties go to a random candidate. A node's score
    /// for a request shape is cached until the node changes or the scoring does (<see cref="Invalidate"/>),
    /// so <paramref name="adjust"/> must depend only on the node's state and on what the policy changes
    /// together with an invalidation; <paramref name="live"/> (by node index) is added uncached.
    /// </summary>
    public PlacementChoice? ChooseLeastDelta(in PlacementRequest request, Random random, Func<NodeSlot, double, double>? adjust = null, Func<int, double>? live = null)
    {
        var cache = CacheFor(request);
        var ties = new TieBreaker();
        var bestNode = -1;
        var bestDevice = Infeasible;
        _sameState.Clear();
        foreach (var slot in _allocator.NodeArray)
        {
            var n = slot.Index;
            if (cache.Stamp[n] == 0 || cache.Stamp[n] < _nodeStamp[n] || cache.Stamp[n] < _epochStamp)
            {
                // Nodes in the same state score the same: score one of them per decision.
                var hash = StateHash(slot);
                if (_sameState.TryGetValue(hash, out var twin) && _typeOf[twin] == _typeOf[n] && SameState(_allocator.NodeArray[twin], slot) && SameAcceptance(cache.Accepts, twin, n))
                {
                    (cache.Score[n], cache.Device[n]) = (cache.Score[twin], cache.Device[twin]);
                }
                else
                {
                    (cache.Score[n], cache.Device[n]) = Score(slot, request, cache.Accepts, adjust);
                    _sameState[hash] = n;
                }

                cache.Stamp[n] = _clock;
            }

            if (cache.Device[n] != Infeasible && ties.Offer(live is null ? cache.Score[n] : cache.Score[n] + live(n), random))
            {
                bestNode = n;
                bestDevice = cache.Device[n];
            }
        }

        if (bestNode < 0)
        {
            return null;
        }

        var best = _allocator.NodeArray[bestNode];
        return new PlacementChoice(bestNode, bestDevice >= 0 ? [bestDevice] : PlacementMath.FirstWhole(best, request));
    }

    // Twins must also agree on which of their devices the request's constraints accept (a node or device
    // constraint tells apart nodes in the same state).
    private bool SameAcceptance(bool[]? accepts, int twin, int node)
    {
        if (accepts is null)
        {
            return true;
        }

        var twinDevices = accepts.AsSpan(_deviceOffset[twin], _deviceOffset[twin + 1] - _deviceOffset[twin]);
        var nodeDevices = accepts.AsSpan(_deviceOffset[node], _deviceOffset[node + 1] - _deviceOffset[node]);
        return twinDevices.SequenceEqual(nodeDevices);
    }

    private (double Score, int Device) Score(NodeSlot slot, in PlacementRequest request, bool[]? accepts, Func<NodeSlot, double, double>? adjust)
    {
        if (!slot.HasHostResourcesFor(request))
        {
            return (0, Infeasible);
        }

        if (request.DeviceCount == 0 || request.WholeDevices)
        {
            if (request.DeviceCount > 0 && PlacementMath.CountWhole(slot, request) < request.DeviceCount)
            {
                return (0, Infeasible);
            }

            var score = Delta(slot, request, request.DeviceCount == 0 ? [] : PlacementMath.FirstWhole(slot, request));
            return (adjust is null ? score : adjust(slot, score), NoDevice);
        }

        var best = double.PositiveInfinity;
        var bestDevice = Infeasible;
        Span<int> one = stackalloc int[1];
        var devices = slot.DeviceArray;
        var offset = _deviceOffset[slot.Index];
        for (var d = 0; d < devices.Length; d++)
        {
            if (!FitsShare(devices[d], request, accepts, offset + d) || SameAsEarlier(devices, d, request, accepts, offset))
            {
                continue;
            }

            one[0] = d;
            var score = Delta(slot, request, one);
            score = adjust is null ? score : adjust(slot, score);
            if (score < best)
            {
                best = score;
                bestDevice = d;
            }
        }

        return (best, bestDevice);
    }

    private static long StateHash(NodeSlot slot)
    {
        var hash = new HashCode();
        hash.Add(slot.FreeCpuMilli);
        hash.Add(slot.FreeHostMemoryBytes);
        foreach (var device in slot.DeviceArray)
        {
            hash.Add(device.FreeMilli);
            hash.Add(device.FreeMemoryBytes);
            hash.Add(device.Allocations);
            hash.Add(device.Draining);
        }

        return ((long)hash.ToHashCode() << 8) ^ slot.DeviceArray.Length;
    }

    private static bool SameState(NodeSlot a, NodeSlot b)
    {
        if (a.FreeCpuMilli != b.FreeCpuMilli || a.FreeHostMemoryBytes != b.FreeHostMemoryBytes || a.DeviceArray.Length != b.DeviceArray.Length)
        {
            return false;
        }

        for (var d = 0; d < a.DeviceArray.Length; d++)
        {
            DeviceSlot x = a.DeviceArray[d], y = b.DeviceArray[d];
            if (x.FreeMilli != y.FreeMilli || x.FreeMemoryBytes != y.FreeMemoryBytes || x.Allocations != y.Allocations || x.Draining != y.Draining)
            {
                return false;
            }
        }

        return true;
    }

    private FragmentScoreCache CacheFor(in PlacementRequest request)
    {
        var shape = RequestShape.Of(request);
        if (!_caches.TryGetValue(shape, out var cache))
        {
            if (_caches.Count >= MaxCachedShapes)
            {
                _caches.Clear();
            }

            cache = new FragmentScoreCache(_allocator.NodeArray.Length, AcceptanceOf(request.Constraints));
            _caches.Add(shape, cache);
        }

        return cache;
    }

    // Devices in the same state score the same, so only the first of them is scored (a device-id
    // constraint in the mix could make them differ slightly; that only affects the score, never validity).
    private static bool FitsShare(DeviceSlot device, in PlacementRequest request, bool[]? accepts, int globalIndex) =>
        !device.Draining
        && device.FreeMilli >= request.Milli
        && device.FreeMemoryBytes >= request.MemoryBytes
        && (accepts is null || accepts[globalIndex]);

    private static bool SameAsEarlier(DeviceSlot[] devices, int d, in PlacementRequest request, bool[]? accepts, int offset)
    {
        var device = devices[d];
        for (var e = 0; e < d; e++)
        {
            var other = devices[e];
            if (other.FreeMilli == device.FreeMilli
                && other.FreeMemoryBytes == device.FreeMemoryBytes
                && other.Allocations == device.Allocations
                && string.Equals(other.Descriptor.Model, device.Descriptor.Model, StringComparison.Ordinal)
                && FitsShare(other, request, accepts, offset + e))
            {
                return true;
            }
        }

        return false;
    }
}
