using System.Globalization;
using GpuPool.Dashboard.Pools;
using Microsoft.AspNetCore.WebUtilities;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Views;

/// <summary>The leases of the pools that answered, filtered by pool and tenant, newest first.</summary>
internal sealed record LeasesView(IReadOnlyList<LeaseRow> Leases, IReadOnlyList<PoolNotice> Notices, IReadOnlyList<string> PoolNames, IReadOnlyList<string> TenantNames)
{
    public required string Count { get; init; }

    public string? PreviousUrl { get; init; }

    public string? NextUrl { get; init; }

    public static LeasesView From(IReadOnlyList<PoolSnapshot> snapshots, LeaseFilter filter, DateTimeOffset now)
    {
        var matching = snapshots
            .Where(s => s.IsUp)
            .SelectMany(s => s.Leases.Where(l => filter.Matches(s.Name, l.Tenant)).Select(l => (Pool: s.Name, Lease: l, s.Usage)))
            .ToList();
        var pages = Math.Max(1, (matching.Count + LeaseFilter.PageSize - 1) / LeaseFilter.PageSize);
        var page = Math.Clamp(filter.Page, 1, pages);
        var rows = matching
            .OrderByDescending(x => x.Lease.GrantedAtUnixMs)
            .Skip((page - 1) * LeaseFilter.PageSize)
            .Take(LeaseFilter.PageSize)
            .Select(x => Row(x.Pool, x.Lease, x.Usage.Leases.GetValueOrDefault(x.Lease.Id), now))
            .ToList();
        var tenants = snapshots.SelectMany(s => s.Leases.Select(l => l.Tenant).Concat(s.Tenants.Select(t => t.Name))).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new LeasesView(rows, PoolNotice.For(snapshots), [.. snapshots.Select(s => s.Name)], tenants)
        {
            Count = pages == 1 ? $"{matching.Count} lease(s)" : $"{matching.Count} lease(s), page {page} of {pages}",
            PreviousUrl = page > 1 ? PageUrl(filter, page - 1) : null,
            NextUrl = page < pages ? PageUrl(filter, page + 1) : null,
        };
    }

    private static string PageUrl(LeaseFilter filter, int page) =>
        QueryHelpers.AddQueryString("/Leases", new Dictionary<string, string?> { ["pool"] = filter.Pool ?? "", ["tenant"] = filter.Tenant ?? "", ["p"] = page.ToString(CultureInfo.InvariantCulture) });

    private static LeaseRow Row(string pool, V1.Lease lease, V1.LeaseUsage? usage, DateTimeOffset now) => new()
    {
        Pool = pool,
        Id = lease.Id,
        Tenant = lease.Tenant,
        Node = string.Join(", ", lease.Devices.Select(d => d.Node).Distinct(StringComparer.Ordinal)),
        Device = string.Join(", ", lease.Devices.Select(d => d.Id)),
        Memory = Units.Bytes(lease.MemoryBytes),
        // The serving node's figure: in a pool, the node that lists a lease served elsewhere cannot know it.
        MemoryUsed = Units.Bytes(usage?.MemoryUsedBytes ?? lease.MemoryUsedBytes),
        Share = Units.Devices(lease.ComputeMilli),
        Priority = lease.Priority.ToString().Replace("LeasePriority", "", StringComparison.Ordinal),
        Isolation = lease.Isolation.ToString().Replace("LeaseIsolation", "", StringComparison.Ordinal),
        Age = Units.Span(now - Units.FromUnixMs(lease.GrantedAtUnixMs)),
        ExpiresIn = Units.Span(Units.FromUnixMs(lease.ExpiresAtUnixMs) - now),
        Models = UsageText.Models(usage),
        Runs = UsageText.LeaseRuns(usage),
        ComputeSeconds = UsageText.ComputeSeconds(usage),
        RevokeUrl = ConfirmUrl.Lease(pool, lease.Id),
    };
}
