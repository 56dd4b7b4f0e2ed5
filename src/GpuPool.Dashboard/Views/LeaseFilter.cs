namespace GpuPool.Dashboard.Views;

/// <summary>Which leases the page shows: one pool or all, one tenant or all (empty: all).</summary>
internal sealed record LeaseFilter(string? Pool, string? Tenant, int Page = 1)
{
    /// <summary>Leases on one page: a page of a pool with thousands of leases renders as fast as a small one.</summary>
    public const int PageSize = 100;

    /// <summary>Neither a pool nor a tenant chosen.</summary>
    public bool MatchesAll => string.IsNullOrEmpty(Pool) && string.IsNullOrEmpty(Tenant);

    public bool Matches(string pool, string tenant) =>
        (string.IsNullOrEmpty(Pool) || Pool == pool) && (string.IsNullOrEmpty(Tenant) || Tenant == tenant);
}
