using GpuPool.Runtime.Placement;

namespace GpuPool.Benchmarks.Trace;

/// <summary>One task of the trace and the allocator request it becomes.</summary>
/// <param name="Name">The pod name (clones added by inflation get a <c>#n</c> suffix).</param>
/// <param name="GpuMilli">GPU demand in milli: <c>num_gpu × 1000</c>, or <c>gpu_milli</c> for a share.</param>
/// <param name="Request">The request handed to the product's allocator.</param>
internal sealed record TraceTask(string Name, long GpuMilli, PlacementRequest Request);
