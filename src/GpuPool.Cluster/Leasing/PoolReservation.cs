using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Leasing;

/// <summary>A place held in a <see cref="PoolView"/> while its grant is committed.</summary>
/// <param name="Snapshot">The view it was placed on.</param>
/// <param name="Allocation">What it holds there.</param>
/// <param name="Decision">Where it goes.</param>
/// <param name="Alternative">Where it goes if the database finds <paramref name="Decision"/> taken (nothing held there).</param>
internal sealed record PoolReservation(PoolSnapshot Snapshot, Allocation Allocation, PlacementDecision Decision, PlacementDecision? Alternative);
