using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace GpuPool.Dashboard.Views;

/// <summary>The leases of the pools that answered, filtered by pool and tenant, newest first.</summary>
internal sealed record LeasesView(IReadOnlyList<LeaseRow> Leases, IReadOnlyList<PoolNotice> Notices, IReadOnlyList<string> PoolNames, IReadOnlyList<string> TenantNames)
{
    public required string Count { get; init; }

    public string? PreviousUrl { get; init; }

    public string? NextUrl { get; init; }

    /// <summary>One page of the catalog: only the rows shown are put in words, and only their age and expiry per request.</summary>
    public static LeasesView From(LeaseCatalog catalog, LeaseFilter filter, DateTimeOffset now)
    {
        var matching = Matching(catalog.Leases, filter);
        var pages = Math.Max(1, (matching.Count + LeaseFilter.PageSize - 1) / LeaseFilter.PageSize);
        var page = Math.Clamp(filter.Page, 1, pages);
        var first = (page - 1) * LeaseFilter.PageSize;
        var rows = new LeaseRow[Math.Min(LeaseFilter.PageSize, matching.Count - first)];
        for (var i = 0; i < rows.Length; i++)
        {
            var entry = matching[first + i];
            rows[i] = entry.FixedRow with
            {
                Age = Units.Span(now - Units.FromUnixMs(entry.Lease.GrantedAtUnixMs)),
                ExpiresIn = Units.Span(Units.FromUnixMs(entry.Lease.ExpiresAtUnixMs) - now),
            };
        }

        var snapshots = catalog.Source;
        return new LeasesView(rows, PoolNotice.For(snapshots), [.. snapshots.Select(s => s.Name)], catalog.TenantNames)
        {
            Count = pages == 1 ? $"{matching.Count} lease(s)" : $"{matching.Count} lease(s), page {page} of {pages}",
            PreviousUrl = page > 1 ? PageUrl(filter, page - 1) : null,
            NextUrl = page < pages ? PageUrl(filter, page + 1) : null,
        };
    }

    private static IReadOnlyList<LeaseEntry> Matching(IReadOnlyList<LeaseEntry> leases, LeaseFilter filter)
    {
        if (filter.MatchesAll)
        {
            return leases;
        }

        var matching = new List<LeaseEntry>();
        foreach (var entry in leases)
        {
            if (filter.Matches(entry.Pool, entry.Lease.Tenant))
            {
                matching.Add(entry);
            }
        }

        return matching;
    }

    private static string PageUrl(LeaseFilter filter, int page) =>
        QueryHelpers.AddQueryString("/Leases", new Dictionary<string, string?> { ["pool"] = filter.Pool ?? "", ["tenant"] = filter.Tenant ?? "", ["p"] = page.ToString(CultureInfo.InvariantCulture) });
}
