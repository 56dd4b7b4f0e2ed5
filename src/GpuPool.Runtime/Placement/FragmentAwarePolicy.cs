using System.Globalization;

namespace GpuPool.Runtime.Placement;

/// <summary>
/// The default policy: fragmentation-aware placement that learns the request mix online.
/// </summary>
internal sealed class FragmentAwarePolicy(int seed) : IPlacementPolicy
{
    private static readonly double Alpha = double.Parse(Environment.GetEnvironmentVariable("FA_ALPHA") ?? "2", CultureInfo.InvariantCulture);
    private static readonly double Beta = double.Parse(Environment.GetEnvironmentVariable("FA_BETA") ?? "1", CultureInfo.InvariantCulture);
    private static readonly bool GpuWeighted = Environment.GetEnvironmentVariable("FA_WEIGHT") != "count";
    private readonly ShapeMix _mix = new();
    private readonly Random _random = new(seed);
    private FragmentIndex? _index;
    private ClusterScale? _scale;
    private static readonly double MinShare = double.Parse(Environment.GetEnvironmentVariable("FA_MINSHARE") ?? "0.002", CultureInfo.InvariantCulture);
    private long _seen;
    private long _nextLearn = 1;
    private double _cpuPerMilli;
    private double _hostPerMilli;
    private double _gpuSum;
    private double _cpuSum;
    private double _hostSum;

    public string Name => "FragmentAware";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        _mix.Add(request, 1);
        var gpu = (long)request.Milli * request.DeviceCount;
        if (gpu > 0)
        {
            _gpuSum += gpu;
            _cpuSum += request.CpuMilli;
            _hostSum += request.HostMemoryBytes;
        }

        var index = _index is not null && ReferenceEquals(_index.Allocator, allocator) ? _index : _index = new FragmentIndex(allocator, _mix);
        var scale = _scale ??= ClusterScale.Of(allocator);
        if (++_seen >= _nextLearn)
        {
            // Learn in epochs (at 1, 2, 4, 8, ... requests): cached scores stay valid in between.
            _nextLearn *= 2;
            _cpuPerMilli = _gpuSum > 0 ? _cpuSum / _gpuSum : 0;
            _hostPerMilli = _gpuSum > 0 ? _hostSum / _gpuSum : 0;
            index.Refresh(m => _mix.Weight(m) * (GpuWeighted ? Math.Max(1, _mix.Shape(m).GpuMilli) : 1), MinShare);
            index.Invalidate();
        }

        var weight = index.ActiveWeight;
        var tie = 1e-6 / scale.MaxGpuMilli;
        var cpu = request.CpuMilli;
        var host = request.HostMemoryBytes;
        return index.ChooseLeastDelta(request, _random, (node, delta) =>
        {
            var free = PlacementMath.FreeMilli(node);
            var stranded = Alpha * (Stranded(node, free - gpu, node.FreeCpuMilli - cpu, node.FreeHostMemoryBytes - host) - Stranded(node, free, node.FreeCpuMilli, node.FreeHostMemoryBytes));
            var cpuNorm = node.CpuMilliTotal == 0 ? 0 : node.FreeCpuMilli * scale.MaxGpuMilli / scale.MaxCpuMilli;
            return (weight == 0 ? 0 : delta / weight) + stranded + (tie * (free + cpuNorm));
        });
    }

    public void OnChanged(SliceAllocator allocator, int node)
    {
        if (_index is not null && ReferenceEquals(_index.Allocator, allocator))
        {
            _index.Update(node);
        }
    }

    private double Stranded(NodeSlot node, double free, double cpu, double host)
    {
        var usable = free;
        if (node.CpuMilliTotal != 0 && _cpuPerMilli > 0)
        {
            usable = Math.Min(usable, cpu / _cpuPerMilli);
        }

        if (node.HostMemoryTotal != 0 && _hostPerMilli > 0)
        {
            usable = Math.Min(usable, Beta * host / _hostPerMilli);
        }

        return free - Math.Max(0, usable);
    }
}
