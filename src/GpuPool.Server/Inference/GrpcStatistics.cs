using GpuPool.Server.Inference.Wire;

namespace GpuPool.Server.Inference;

/// <summary>The wire form of a version's counters.</summary>
internal static class GrpcStatistics
{
    public static ModelStatistics ToWire(RepositoryModelVersion version)
    {
        var s = version.Statistics;
        var stats = new ModelStatistics
        {
            Name = version.ModelName,
            Version = version.Version,
            LastInference = (ulong)s.LastInferenceMs,
            InferenceCount = (ulong)s.SuccessCount,
            ExecutionCount = (ulong)s.SuccessCount,
            InferenceStats = new InferStatistics
            {
                Success = Duration(s.SuccessCount, s.SuccessNs),
                Fail = Duration(s.FailCount, s.FailNs),
                Queue = Duration(0, 0),
                ComputeInput = Duration(0, 0),
                ComputeInfer = Duration(s.SuccessCount, s.SuccessNs),
                ComputeOutput = Duration(0, 0),
                CacheHit = Duration(0, 0),
                CacheMiss = Duration(0, 0),
            },
        };
        stats.MemoryUsage.Add(new MemoryUsage
        {
            Type = version.Lease.Devices[0].Kind == DeviceKind.Cpu ? "CPU" : "GPU",
            Id = version.Lease.Devices[0].Ordinal,
            ByteSize = (ulong)version.Model.MemoryBytes,
        });
        return stats;
    }

    private static StatisticDuration Duration(long count, long ns) => new() { Count = (ulong)count, Ns = (ulong)ns };
}
