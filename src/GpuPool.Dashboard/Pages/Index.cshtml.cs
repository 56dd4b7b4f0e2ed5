using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GpuPool.Dashboard.Pages;

/// <summary>The overview: every pool and the total, with the last hour's trends.</summary>
internal sealed class IndexModel(PoolDirectory directory, TrendHistory trends, TimeProvider time) : PageModel
{
    public OverviewView View { get; private set; } = null!;

    public void OnGet() => View = OverviewView.From(directory.Snapshots, trends, time.GetUtcNow());

    public PartialViewResult OnGetLive()
    {
        OnGet();
        return Partial("_Overview", View);
    }
}
