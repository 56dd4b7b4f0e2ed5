using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace GpuPool.Dashboard.Pages;

/// <summary>
/// Asks before an action (GET, changes nothing) and makes it (POST, with the anti-forgery token that
/// Razor Pages checks on every POST), then goes back to the page the action came from.
/// </summary>
internal sealed class ConfirmModel(PoolActions actions) : PageModel
{
    public ActionRequest Pending { get; private set; } = null!;

    public IActionResult OnGet(string? op, string? pool, string? node, string? device, string? lease)
    {
        if (ActionRequest.Parse(op, pool, node, device, lease) is not { } request)
        {
            return BadRequest();
        }

        Pending = request;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? op, string? pool, string? node, string? device, string? lease, CancellationToken cancellationToken)
    {
        if (ActionRequest.Parse(op, pool, node, device, lease) is not { } request)
        {
            return BadRequest();
        }

        var outcome = request.Op == ActionRequest.Revoke
            ? await actions.RevokeAsync(User, request.Pool, request.Lease, cancellationToken).ConfigureAwait(false)
            : await actions.SetDrainingAsync(User, request.Pool, request.Node, request.Device, request.Op == ActionRequest.Drain, cancellationToken).ConfigureAwait(false);
        TempData["Outcome"] = outcome.Message;
        return LocalRedirect(request.ReturnPage);
    }
}
