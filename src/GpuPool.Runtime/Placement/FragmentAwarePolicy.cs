namespace GpuPool.Runtime.Placement;

/// <summary>
/// The default policy: fragmentation-aware placement that learns the request mix online.
/// </summary>
internal sealed class FragmentAwarePolicy(int seed) : IPlacementPolicy
{
    private readonly ShapeMix _mix = new();
    private readonly Random _random = new(seed);
    private FragmentIndex? _index;
    private ClusterScale? _scale;

    public string Name => "FragmentAware";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        _mix.Add(request, 1);
        var index = _index is not null && ReferenceEquals(_index.Allocator, allocator) ? _index : _index = new FragmentIndex(allocator, _mix);
        var scale = _scale ??= ClusterScale.Of(allocator);
        index.Refresh(m => _mix.Weight(m) * Math.Max(1, _mix.Shape(m).GpuMilli));
        var norm = index.ActiveWeight * 1e-6 / scale.MaxGpuMilli;
        return index.ChooseLeastDelta(request, _random, (node, delta) =>
            delta + (norm * (PlacementMath.FreeMilli(node) + (node.CpuMilliTotal == 0 ? 0 : node.FreeCpuMilli * scale.MaxGpuMilli / scale.MaxCpuMilli))));
    }

    public void OnChanged(SliceAllocator allocator, int node)
    {
        if (_index is not null && ReferenceEquals(_index.Allocator, allocator))
        {
            _index.Update(node);
        }
    }
}
