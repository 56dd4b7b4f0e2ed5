namespace GpuPool.Benchmarks.Trace;

/// <summary>What one seed measured when replayed through the cluster's placement and grants.</summary>
/// <param name="UnallocatedPct">100 − allocated / capacity × 100 when arrived demand reached 100% of capacity.</param>
/// <param name="AllocatedMilliAtEnd">GPU milli the replay counted as granted after the last arrival.</param>
/// <param name="DecisionMicros">Placement + commit of every task, in microseconds.</param>
/// <param name="SameDecisions">Tasks placed on the same node and devices (or dropped alike) as by a single allocator stepped alongside.</param>
/// <param name="Conflicts">Grants the database refused after placement chose them (each placed again).</param>
/// <param name="ViewReads">Full reads of the pool by the server's view.</param>
/// <param name="BarriersPassed">Refusals answered after the server's announcement barrier instead of a full read.</param>
internal sealed record ClusterSeedResult(int Seed, double UnallocatedPct, long AllocatedMilliAtEnd, double[] DecisionMicros, int SameDecisions, int Conflicts, long ViewReads, long BarriersPassed);
