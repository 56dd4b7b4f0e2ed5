namespace GpuPool.Runtime.Models;

/// <summary>A loaded instance and the memory its load and first runs were measured to occupy.</summary>
/// <param name="Instance">The loaded model.</param>
/// <param name="MeasuredBytes">Resident memory it added, in bytes (never negative).</param>
/// <param name="WarmUpElements">
/// For a measured load, the input elements its warm-up runs covered (0 when none ran); <see langword="null"/>
/// for a charge that was not measured (later runs are then not measured either).
/// </param>
internal readonly record struct ModelFootprint(IModelInstance Instance, long MeasuredBytes, long? WarmUpElements = null);
