using GpuPool.Runtime.Placement;

namespace GpuPool.Benchmarks.Trace;

/// <summary>The policies the replay compares. FGD is handed the workload's mix; every other policy is the registry's.</summary>
internal static class TracePolicies
{
    public static readonly IReadOnlyList<string> All = ["Random", "DotProduct", "Packing", "BestFit", "FGD", PlacementPolicies.Default];

    public static IPlacementPolicy Create(string name, int seed, ShapeMix workloadMix) =>
        string.Equals(name, "FGD", StringComparison.OrdinalIgnoreCase)
            ? new FgdPolicy(workloadMix, seed)
            : string.Equals(name, "FGD-online", StringComparison.OrdinalIgnoreCase) ? PlacementPolicies.Create("FGD", seed) : PlacementPolicies.Create(name, seed);

    /// <summary>The policy's name in the published table.</summary>
    public static string PublishedName(string name) =>
        string.Equals(name, "DotProduct", StringComparison.OrdinalIgnoreCase) ? "DotProd" : name;
}
