namespace GpuPool.Runtime.Leasing;

/// <summary>The lease table's limits.</summary>
internal sealed record LeaseTableSettings
{
    /// <summary>Time-to-live of a lease whose request does not say.</summary>
    public TimeSpan DefaultTimeToLive { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest time-to-live a request may ask for.</summary>
    public TimeSpan MaxTimeToLive { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The most requests that may wait at once.</summary>
    public int MaxWaiters { get; init; } = 10_000;

    /// <summary>The settings taken from runtime options.</summary>
    public static LeaseTableSettings From(GpuPoolRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LeaseTableSettings
        {
            DefaultTimeToLive = options.DefaultTimeToLive,
            MaxTimeToLive = options.MaxTimeToLive,
            MaxWaiters = options.MaxWaiters,
        };
    }
}
