namespace GpuPool.Runtime.Placement;

/// <summary>The placement policies the pool can be configured with, by name.</summary>
internal static class PlacementPolicies
{
    /// <summary>The name that selects the product's default policy (<c>FragmentAware</c>).</summary>
    public const string Default = "Default";

    private static readonly Dictionary<string, Func<int, IPlacementPolicy>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        [Default] = seed => new FragmentAwarePolicy(seed),
        ["FragmentAware"] = seed => new FragmentAwarePolicy(seed),
        ["BestFit"] = seed => new BestFitPolicy(seed),
        ["FGD"] = seed => new FgdPolicy(null, seed),
        ["Packing"] = seed => new PackingPolicy(seed),
        ["DotProduct"] = seed => new DotProductPolicy(seed),
        ["Random"] = seed => new RandomPolicy(seed),
    };

    /// <summary>The names that can be configured.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>Creates a policy by name (random tie-breaking seeded with 0, so placement is reproducible).</summary>
    /// <exception cref="ArgumentException">No policy has that name.</exception>
    public static IPlacementPolicy Create(string name) => Create(name, 0);

    /// <summary>Creates a policy by name with a seed for its random tie-breaking.</summary>
    /// <exception cref="ArgumentException">No policy has that name.</exception>
    public static IPlacementPolicy Create(string name, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Factories.TryGetValue(name, out var factory)
            ? factory(seed)
            : throw new ArgumentException($"Unknown placement policy '{name}'. Known: {string.Join(", ", Factories.Keys)}.", nameof(name));
    }
}
