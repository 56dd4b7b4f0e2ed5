using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Tests.Support;

/// <summary>Best fit that counts how often it is asked.</summary>
internal sealed class CountingPolicy : IPlacementPolicy
{
    private readonly BestFitPolicy _inner = new();

    public int Asked { get; private set; }

    public string Name => "Counting";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator)
    {
        Asked++;
        return _inner.Choose(request, allocator);
    }
}
