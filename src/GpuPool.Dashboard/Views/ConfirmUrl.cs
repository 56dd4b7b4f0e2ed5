using Microsoft.AspNetCore.WebUtilities;

namespace GpuPool.Dashboard.Views;

/// <summary>Links to the confirmation page of an action (a GET that changes nothing; the action itself is a POST).</summary>
internal static class ConfirmUrl
{
    public static string Device(string op, string pool, string node, string device) =>
        QueryHelpers.AddQueryString("/Confirm", new Dictionary<string, string?> { ["op"] = op, ["pool"] = pool, ["node"] = node, ["device"] = device });

    public static string Lease(string pool, string lease) =>
        QueryHelpers.AddQueryString("/Confirm", new Dictionary<string, string?> { ["op"] = "revoke", ["pool"] = pool, ["lease"] = lease });
}
