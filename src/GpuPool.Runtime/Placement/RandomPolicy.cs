namespace GpuPool.Runtime.Placement;

/// <summary>Any feasible node, uniformly at random, and any fitting device on it (the paper's Random baseline).</summary>
internal sealed class RandomPolicy(int seed) : IPlacementPolicy
{
    private readonly Random _random = new(seed);

    public string Name => "Random";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        NodeSlot? chosen = null;
        var seen = 0;
        foreach (var node in allocator.NodeArray)
        {
            if (PlacementMath.Feasible(node, request) && _random.Next(++seen) == 0)
            {
                chosen = node;
            }
        }

        return chosen is null ? null : new PlacementChoice(chosen.Index, PlacementMath.RandomDevices(chosen, request, _random));
    }
}
