using GpuPool.Dashboard.Auth;
using GpuPool.Dashboard.Diagnostics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GpuPool.Dashboard.Pages;

/// <summary>Sign-in with an admin key, checked by the pools themselves; the key travels only in the form's body.</summary>
internal sealed class LoginModel(AdminKeyVerifier verifier, ILogger<LoginModel> logger) : PageModel
{
    [BindProperty]
    public string Key { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Refusal { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var remote = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var outcome = await verifier.VerifyAsync(Key, cancellationToken).ConfigureAwait(false);
        if (!outcome.Accepted)
        {
            Refusal = outcome.Refusal;
            DashboardLog.SignInRefused(logger, remote, outcome.Refusal ?? "");
            return Page();
        }

        await HttpContext.SignInAsync(OperatorClaims.Create(Key, outcome.AdminPools)).ConfigureAwait(false);
        DashboardLog.SignedIn(logger, remote, outcome.AdminPools.Count);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
