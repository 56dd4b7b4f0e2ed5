namespace GpuPool.Runtime.Placement;

/// <summary>One request shape's cached score per node, with the clock value it was computed at.</summary>
internal sealed class FragmentScoreCache(int nodes, bool[]? accepts)
{
    /// <summary>Whether the shape's constraints accept each device (by the index's device offset), or null when it has none.</summary>
    public bool[]? Accepts { get; } = accepts;

    public double[] Score { get; } = new double[nodes];

    /// <summary>The device chosen for a share, -1 when the devices are picked later, -2 when the node cannot hold the shape.</summary>
    public int[] Device { get; } = new int[nodes];

    public long[] Stamp { get; } = new long[nodes];
}
