using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GpuPool.Dashboard.Pages;

/// <summary>Every tenant of every pool: quotas against usage.</summary>
internal sealed class TenantsModel(PoolDirectory directory) : PageModel
{
    public TenantsView View { get; private set; } = null!;

    public void OnGet() => View = TenantsView.From(directory.Snapshots);

    public PartialViewResult OnGetLive()
    {
        OnGet();
        return Partial("_Tenants", View);
    }
}
