using GpuPool.Dashboard.Views;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace GpuPool.Dashboard.Pages;

/// <summary>Every lease of every pool, filtered by pool and tenant, a page of 100 at a time, with revoke.</summary>
internal sealed class LeasesModel(LeaseCatalogCache catalog, TimeProvider time) : LivePageModel<LeasesView>("_Leases")
{
    [BindProperty(SupportsGet = true)]
    public string? Pool { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Tenant { get; set; }

    [BindProperty(Name = "p", SupportsGet = true)]
    public int PageNumber { get; set; } = 1;

    public IEnumerable<SelectListItem> PoolChoices => Choices("All pools", View.PoolNames);

    public IEnumerable<SelectListItem> TenantChoices => Choices("All tenants", View.TenantNames);

    protected override LeasesView Read() => LeasesView.From(catalog.Current, new LeaseFilter(Pool, Tenant, PageNumber), time.GetUtcNow());

    private static IEnumerable<SelectListItem> Choices(string all, IEnumerable<string> names) =>
        [new SelectListItem(all, ""), .. names.Select(n => new SelectListItem(n, n))];
}
