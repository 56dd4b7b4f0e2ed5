namespace GpuPool.Runtime.Placement;

/// <summary>
/// Chooses where a request goes among the devices that can hold it. The allocator checks the choice
/// again before it commits, so a policy can never over-commit a device.
/// </summary>
internal interface IPlacementPolicy
{
    /// <summary>The policy's name (as configured).</summary>
    string Name { get; }

    /// <summary>Picks a node and devices, or <see langword="null"/> when nothing can hold the request.</summary>
    PlacementChoice? Choose(in PlacementRequest request, SliceAllocator allocator);

    /// <summary>Called after every allocation and release, so that a policy can keep incremental state.</summary>
    void OnChanged(SliceAllocator allocator, int node) { }
}
