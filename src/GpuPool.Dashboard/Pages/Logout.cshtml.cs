using GpuPool.Dashboard.Auth;
using GpuPool.Dashboard.Diagnostics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GpuPool.Dashboard.Pages;

/// <summary>Signs out (a POST with the anti-forgery token); the server-side session is dropped.</summary>
internal sealed class LogoutModel(ILogger<LogoutModel> logger) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        var who = User.Operator();
        DashboardLog.SignedOut(logger, who);
        await HttpContext.SignOutAsync().ConfigureAwait(false);
        return RedirectToPage("/Login");
    }
}
