namespace GpuPool.Dashboard.Pools;

/// <summary>One point of a pool's trend: what it held at one moment (null figures: the pool was down).</summary>
internal sealed record TrendPoint(DateTimeOffset At, int? Leases, long? MemoryAllocatedBytes, long? ComputeAllocatedMilli);
