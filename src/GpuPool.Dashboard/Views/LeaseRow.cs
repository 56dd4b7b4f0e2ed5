namespace GpuPool.Dashboard.Views;

/// <summary>One lease of one pool, every figure already in words.</summary>
internal sealed record LeaseRow
{
    public required string Pool { get; init; }

    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public required string Node { get; init; }

    public required string Device { get; init; }

    public required string Memory { get; init; }

    public required string MemoryUsed { get; init; }

    public required string Share { get; init; }

    public required string Priority { get; init; }

    public required string Isolation { get; init; }

    public required string Age { get; init; }

    public required string ExpiresIn { get; init; }

    public required string Models { get; init; }

    public required string Runs { get; init; }

    /// <summary>Measured execution time of its runs.</summary>
    public required string ComputeSeconds { get; init; }

    public required string RevokeUrl { get; init; }
}
