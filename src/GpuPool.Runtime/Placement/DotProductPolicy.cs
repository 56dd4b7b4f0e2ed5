namespace GpuPool.Runtime.Placement;

/// <summary>
/// The feasible node whose remaining resources (CPU and summed GPU milli, each normalised by the largest
/// node) have the smallest dot product with the request's demand; a share goes to the best-fit device.
/// Ties are broken at random.
/// </summary>
internal sealed class DotProductPolicy(int seed) : IPlacementPolicy
{
    private readonly Random _random = new(seed);
    private ClusterScale? _scale;

    public string Name => "DotProduct";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        var scale = _scale ??= ClusterScale.Of(allocator);
        var demandCpu = request.CpuMilli / scale.MaxCpuMilli;
        var demandGpu = (long)request.Milli * request.DeviceCount / scale.MaxGpuMilli;
        var ties = new TieBreaker();
        NodeSlot? best = null;
        foreach (var node in allocator.NodeArray)
        {
            if (!PlacementMath.Feasible(node, request))
            {
                continue;
            }

            var cpu = node.CpuMilliTotal == 0 ? 0 : node.FreeCpuMilli / scale.MaxCpuMilli;
            var gpu = PlacementMath.FreeMilli(node) / scale.MaxGpuMilli;
            if (ties.Offer((cpu * demandCpu) + (gpu * demandGpu), _random))
            {
                best = node;
            }
        }

        return best is null ? null : new PlacementChoice(best.Index, PlacementMath.BestFitDevices(best, request));
    }
}
