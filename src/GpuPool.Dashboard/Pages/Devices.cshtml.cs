using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GpuPool.Dashboard.Pages;

/// <summary>Every device of every pool, with drain and undrain.</summary>
internal sealed class DevicesModel(PoolDirectory directory) : PageModel
{
    public DevicesView View { get; private set; } = null!;

    public void OnGet() => View = DevicesView.From(directory.Snapshots);

    public PartialViewResult OnGetLive()
    {
        OnGet();
        return Partial("_Devices", View);
    }
}
