namespace GpuPool.Benchmarks.Trace;

/// <summary>What one seed of one policy measured.</summary>
/// <param name="UnallocatedPct">100 − allocated / capacity × 100 when arrived demand reached 100% of capacity.</param>
/// <param name="FragRatePct">Share of the free GPU milli at that moment that the workload's mix cannot use.</param>
/// <param name="AllocatedPctAtEnd">Allocated / capacity × 100 after the last arrival (130%).</param>
/// <param name="DecisionMicros">Time of every allocator call, in microseconds.</param>
internal sealed record SeedResult(int Seed, double UnallocatedPct, double FragRatePct, double AllocatedPctAtEnd, double[] DecisionMicros);
