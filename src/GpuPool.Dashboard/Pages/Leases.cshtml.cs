using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace GpuPool.Dashboard.Pages;

/// <summary>Every lease of every pool, filtered by pool and tenant, with revoke.</summary>
internal sealed class LeasesModel(PoolDirectory directory, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Pool { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Tenant { get; set; }

    [BindProperty(Name = "p", SupportsGet = true)]
    public int PageNumber { get; set; } = 1;

    public LeasesView View { get; private set; } = null!;

    public IEnumerable<SelectListItem> PoolChoices => Choices("All pools", View.PoolNames);

    public IEnumerable<SelectListItem> TenantChoices => Choices("All tenants", View.TenantNames);

    public void OnGet() => View = LeasesView.From(directory.Snapshots, new LeaseFilter(Pool, Tenant, PageNumber), time.GetUtcNow());

    public PartialViewResult OnGetLive()
    {
        OnGet();
        return Partial("_Leases", View);
    }

    private static IEnumerable<SelectListItem> Choices(string all, IEnumerable<string> names) =>
        [new SelectListItem(all, ""), .. names.Select(n => new SelectListItem(n, n))];
}
