using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Pools;

/// <summary>A tenant's runs, compute-seconds and refusals (by reason), summed over a pool's nodes.</summary>
internal sealed record TenantTotals(long Runs, double ComputeSeconds, IReadOnlyDictionary<string, long> Rejections)
{
    public static TenantTotals Zero { get; } = new(0, 0, new Dictionary<string, long>());

    public long RejectionCount => Rejections.Values.Sum();

    public TenantTotals Add(V1.TenantUsage usage)
    {
        var rejections = new Dictionary<string, long>(Rejections, StringComparer.Ordinal);
        foreach (var (reason, count) in usage.Rejections)
        {
            rejections[reason] = rejections.GetValueOrDefault(reason) + count;
        }

        return new TenantTotals(Runs + usage.Runs, ComputeSeconds + usage.ComputeSeconds, rejections);
    }
}
