using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Tests.Placing;

/// <summary>Returns whatever choice the test set, so that the allocator's own checks can be exercised.</summary>
internal sealed class ScriptedPolicy : IPlacementPolicy
{
    public PlacementChoice? Next { get; set; }

    public string Name => "Scripted";

    public PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator) => Next;
}
