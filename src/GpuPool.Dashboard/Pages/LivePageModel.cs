using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GpuPool.Dashboard.Pages;

/// <summary>A page with a live region: the full page on GET, its region alone on <c>?handler=Live</c> (what live.js fetches).</summary>
/// <typeparam name="TView">What the region shows, built from the latest snapshots.</typeparam>
internal abstract class LivePageModel<TView>(string partialName) : PageModel
    where TView : class
{
    public TView View { get; private set; } = null!;

    public void OnGet() => View = Read();

    public PartialViewResult OnGetLive()
    {
        View = Read();
        return Partial(partialName, View);
    }

    protected abstract TView Read();
}
