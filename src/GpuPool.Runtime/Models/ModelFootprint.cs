namespace GpuPool.Runtime.Models;

/// <summary>A loaded instance and the memory its load and first run were measured to occupy.</summary>
/// <param name="Instance">The loaded model.</param>
/// <param name="MeasuredBytes">Resident memory it added, in bytes (never negative).</param>
internal readonly record struct ModelFootprint(IModelInstance Instance, long MeasuredBytes);
