namespace GpuPool.Dashboard.Views;

/// <summary>Which leases the page shows: one pool or all, one tenant or all (empty: all).</summary>
internal sealed record LeaseFilter(string? Pool, string? Tenant)
{
    public bool Matches(string pool, string tenant) =>
        (string.IsNullOrEmpty(Pool) || Pool == pool) && (string.IsNullOrEmpty(Tenant) || Tenant == tenant);
}
