namespace GpuPool.Runtime.Placement;

/// <summary>
/// Fragmentation Gradient Descent (Weng et al., USENIX ATC'23): the placement that least increases the
/// node's expected fragmentation, where free GPU capacity counts as fragmented for a task shape when
/// that shape cannot use it (too small a share, not enough CPU or host memory, wrong model), weighted by
/// how common each shape is. Given a mix (as in the paper, the workload's) it uses it; without one it
/// counts requests as they arrive. Ties are broken at random.
/// </summary>
internal sealed class FgdPolicy : IPlacementPolicy
{
    private readonly ShapeMix _mix;
    private readonly bool _learns;
    private readonly Random _random;
    private FragmentIndex? _index;

    public FgdPolicy(ShapeMix? mix, int seed)
    {
        _learns = mix is null;
        _mix = mix ?? new ShapeMix();
        _random = new Random(seed);
    }

    public string Name => "FGD";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        if (_learns)
        {
            _mix.Add(request, 1);
        }

        var index = _index is not null && ReferenceEquals(_index.Allocator, allocator) ? _index : _index = new FragmentIndex(allocator, _mix);
        index.Refresh();
        return index.ChooseLeastDelta(request, _random);
    }

    public void OnChanged(SliceAllocator allocator, int node)
    {
        if (_index is not null && ReferenceEquals(_index.Allocator, allocator))
        {
            _index.Update(node);
        }
    }
}
