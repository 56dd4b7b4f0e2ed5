namespace GpuPool.Dashboard;

/// <summary>The dashboard's settings (section <c>Dashboard</c>).</summary>
internal sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>The pools shown, in order.</summary>
    public IList<PoolOptions> Pools { get; } = [];

    /// <summary>How often every pool is asked for its state; pages refresh at the same pace.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one call to a pool may take before the pool is shown as down.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a signed-in session lasts without a request.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How far back the trends on the overview reach.</summary>
    public TimeSpan TrendWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a trend point is kept.</summary>
    public TimeSpan TrendInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Over how long a device's measured busy time is turned into its utilisation.</summary>
    public TimeSpan BusyWindow { get; set; } = TimeSpan.FromSeconds(10);
}
