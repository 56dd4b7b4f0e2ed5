namespace GpuPool.Runtime.Placement;

/// <summary>
/// The default policy. It scores every feasible placement by three terms and takes the lowest:
/// <list type="number">
/// <item>FGD's fragmentation delta: how much the node's expected fragmentation grows, against the
/// mix of request shapes <em>learned online</em> (each request counts once; the weights are refreshed
/// at 1, 2, 4, 8, … requests, so cached scores stay valid in between), normalised per request;</item>
/// <item>the change in GPU capacity <em>stranded by host resources</em>: free GPU milli that the node's
/// remaining CPU and host memory cannot feed at the mix's average CPU and memory per GPU milli (FGD only
/// sees a node's CPU when a single task no longer fits; many tasks share it long before);</item>
/// <item>for a request that accepts any model, <em>model pressure</em>: its GPU milli times the share of
/// the node's model's free capacity that model-restricted requests are expected to need
/// (<see cref="ModelPressure"/>), so that unrestricted work leaves scarce models to the requests that
/// can only run there;</item>
/// <item>a vanishing best-fit term (remaining GPU and CPU) that breaks what would otherwise be ties.</item>
/// </list>
/// A share goes to the device of the node that scores best. Remaining ties are broken at random (seeded).
/// </summary>
internal sealed class FragmentAwarePolicy(int seed) : IPlacementPolicy
{
    /// <summary>Weight of the stranded-capacity term against the fragmentation delta (both in GPU milli).</summary>
    internal const double StrandedWeight = 1.0;

    /// <summary>Weight of the model-pressure term (GPU milli of an unrestricted request × its node model's pressure).</summary>
    internal const double PressureWeight = 1.0;

    /// <summary>Shapes rarer than this share of requests are left out of the fragmentation sum (bounds decision time).</summary>
    internal const double MinShapeShare = 0.0005;

    /// <summary>The learned mix counts CPU rounded up to this many milli-cores.</summary>
    internal const long CpuStep = 4000;

    /// <summary>The learned mix counts host memory rounded up to this many bytes (16 GiB).</summary>
    internal const long HostStep = 16L << 30;

    private const double TieScale = 1e-6;
    private readonly ShapeMix _mix = new(Coarsen);
    private readonly Random _random = new(seed);
    private FragmentIndex? _index;
    private ModelPressure? _pressure;
    private ClusterScale? _scale;
    private long _seen;
    private long _nextLearn = 1;
    private double _gpuSum;
    private double _cpuSum;
    private double _hostSum;
    private double _cpuPerMilli;
    private double _hostPerMilli;

    public string Name => "FragmentAware";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        var gpu = (long)request.Milli * request.DeviceCount;
        if (_mix.Count < ShapeMix.MaxShapes || _mix.Contains(request))
        {
            _mix.Add(request, 1);
        }

        if (gpu > 0)
        {
            _gpuSum += gpu;
            _cpuSum += request.CpuMilli;
            _hostSum += request.HostMemoryBytes;
        }

        if (_index is null || !ReferenceEquals(_index.Allocator, allocator))
        {
            _index = new FragmentIndex(allocator, _mix);
            _pressure = new ModelPressure(allocator);
        }

        var index = _index;
        var pressure = _pressure!;
        var scale = _scale ??= ClusterScale.Of(allocator);
        if (++_seen >= _nextLearn)
        {
            _nextLearn *= 2;
            _cpuPerMilli = _gpuSum > 0 ? _cpuSum / _gpuSum : 0;
            _hostPerMilli = _gpuSum > 0 ? _hostSum / _gpuSum : 0;
            index.Refresh(minShare: MinShapeShare);
            pressure.Learn(_mix);
            index.Invalidate();
        }

        var weight = index.ActiveWeight;
        var tie = TieScale / scale.MaxGpuMilli;
        var cpu = request.CpuMilli;
        var host = request.HostMemoryBytes;
        var unrestricted = request.Constraints?.Models is not { Count: > 0 };
        return index.ChooseLeastDelta(request, _random, (node, delta) =>
        {
            var free = PlacementMath.FreeMilli(node);
            var stranded = Stranded(node, free - gpu, node.FreeCpuMilli - cpu, node.FreeHostMemoryBytes - host)
                - Stranded(node, free, node.FreeCpuMilli, node.FreeHostMemoryBytes);
            var cpuNorm = node.CpuMilliTotal == 0 ? 0 : node.FreeCpuMilli * scale.MaxGpuMilli / scale.MaxCpuMilli;
            return (weight == 0 ? 0 : delta / weight) + (StrandedWeight * stranded) + (tie * (free + cpuNorm));
        },
        unrestricted ? n => PressureWeight * gpu * pressure.Of(n) : null);
    }

    public void OnChanged(SliceAllocator allocator, int node)
    {
        if (_index is not null && ReferenceEquals(_index.Allocator, allocator))
        {
            _index.Update(node);
            _pressure?.Update(allocator.NodeArray[node]);
        }
    }

    // Shapes that differ only a little in CPU or host memory are counted as one (rounded up), which keeps
    // the fragmentation sum short on traces with many distinct CPU and memory sizes.
    private static PlacementRequest Coarsen(PlacementRequest request) => request with
    {
        CpuMilli = (int)RoundUp(request.CpuMilli, CpuStep),
        HostMemoryBytes = RoundUp(request.HostMemoryBytes, HostStep),
    };

    private static long RoundUp(long value, long step) => (value + step - 1) / step * step;

    // GPU milli on the node that its CPU and host memory cannot feed at the mix's average needs.
    private double Stranded(NodeSlot node, double free, double cpu, double host)
    {
        var fed = free;
        if (node.CpuMilliTotal != 0 && _cpuPerMilli > 0)
        {
            fed = Math.Min(fed, cpu / _cpuPerMilli);
        }

        if (node.HostMemoryTotal != 0 && _hostPerMilli > 0)
        {
            fed = Math.Min(fed, host / _hostPerMilli);
        }

        return free - Math.Max(0, fed);
    }
}
