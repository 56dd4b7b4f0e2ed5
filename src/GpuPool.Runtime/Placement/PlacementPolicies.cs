namespace GpuPool.Runtime.Placement;

/// <summary>The placement policies the pool can be configured with, by name.</summary>
public static class PlacementPolicies
{
    /// <summary>The name that selects the product's default policy.</summary>
    public const string Default = "Default";

    private static readonly Dictionary<string, Func<IPlacementPolicy>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        [Default] = () => new BestFitPolicy(),
        ["BestFit"] = () => new BestFitPolicy(),
    };

    /// <summary>The names that can be configured.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>Creates a policy by name.</summary>
    /// <exception cref="ArgumentException">No policy has that name.</exception>
    public static IPlacementPolicy Create(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new ArgumentException($"Unknown placement policy '{name}'. Known: {string.Join(", ", Factories.Keys)}.", nameof(name));
    }
}
