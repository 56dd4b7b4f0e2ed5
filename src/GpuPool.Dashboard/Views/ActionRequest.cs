namespace GpuPool.Dashboard.Views;

/// <summary>An action an operator asked for: drain or undrain a device, or revoke a lease; with the question the page asks.</summary>
internal sealed record ActionRequest(string Op, string Pool, string Node, string Device, string Lease)
{
    public const string Drain = "drain";
    public const string Undrain = "undrain";
    public const string Revoke = "revoke";

    public string Question => Op switch
    {
        Drain => $"Drain device {Device} on node {Node} of pool {Pool}? It takes no new leases; leases on it stay until they end.",
        Undrain => $"Undrain device {Device} on node {Node} of pool {Pool}? It takes new leases again.",
        _ => $"Revoke lease {Lease} on pool {Pool}? Its holder loses it at once.",
    };

    public string ConfirmLabel => Op switch
    {
        Drain => "Drain device",
        Undrain => "Undrain device",
        _ => "Revoke lease",
    };

    public string ReturnPage => Op == Revoke ? "/Leases" : "/Devices";

    /// <summary>The request, or null when a part is missing or the action is unknown.</summary>
    public static ActionRequest? Parse(string? op, string? pool, string? node, string? device, string? lease) => op switch
    {
        _ when string.IsNullOrEmpty(pool) => null,
        Drain or Undrain when !string.IsNullOrEmpty(node) && !string.IsNullOrEmpty(device) => new ActionRequest(op, pool, node, device, ""),
        Revoke when !string.IsNullOrEmpty(lease) => new ActionRequest(op, pool, "", "", lease),
        _ => null,
    };
}
