namespace GpuPool.Runtime.Placement;

/// <summary>A policy's answer: a node and the devices on it.</summary>
/// <param name="Node">The node index.</param>
/// <param name="Devices">Device indices within the node (one for a share).</param>
internal readonly record struct PlacementChoice(int Node, int[] Devices);
