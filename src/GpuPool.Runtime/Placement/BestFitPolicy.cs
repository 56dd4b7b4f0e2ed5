namespace GpuPool.Runtime.Placement;

/// <summary>
/// Best fit, as the FGD paper's simulator defines it: the feasible node with the least resources left
/// after placement, scored 0.5 × remaining CPU / largest node CPU + 0.5 × remaining GPU milli / largest
/// node GPU milli (a node that declares no CPU scores on GPU only); a share goes to the node's fitting
/// device with the least free compute. Ties are broken at random (seeded).
/// </summary>
internal sealed class BestFitPolicy : IPlacementPolicy
{
    private readonly Random _random;
    private ClusterScale? _scale;

    /// <summary>Creates the policy with a fixed tie-breaking seed.</summary>
    public BestFitPolicy()
        : this(0)
    {
    }

    /// <summary>Creates the policy with a tie-breaking seed.</summary>
    public BestFitPolicy(int seed)
    {
        _random = new Random(seed);
    }

    /// <inheritdoc />
    public string Name => "BestFit";

    /// <inheritdoc />
    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        var scale = _scale ??= ClusterScale.Of(allocator);
        var ties = new TieBreaker();
        NodeSlot? best = null;
        foreach (var node in allocator.NodeArray)
        {
            if (!PlacementMath.Feasible(node, request))
            {
                continue;
            }

            var cpu = node.CpuMilliTotal == 0 ? 0 : (node.FreeCpuMilli - request.CpuMilli) / scale.MaxCpuMilli;
            var gpu = (PlacementMath.FreeMilli(node) - ((long)request.Milli * request.DeviceCount)) / scale.MaxGpuMilli;
            if (ties.Offer((0.5 * cpu) + (0.5 * gpu), _random))
            {
                best = node;
            }
        }

        return best is null ? null : new PlacementChoice(best.Index, PlacementMath.BestFitDevices(best, request));
    }
}
