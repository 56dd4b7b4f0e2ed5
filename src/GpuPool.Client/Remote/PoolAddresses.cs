namespace GpuPool.Remote;

/// <summary>
/// The server addresses of the client's options: <see cref="GpuPoolOptions.Server"/> first, then
/// <see cref="GpuPoolOptions.Servers"/>, without blanks or repeats, and how to check and compare them.
/// </summary>
internal static class PoolAddresses
{
    public const string UnixPrefix = "unix:";
    public const string DnsPrefix = "dns:///";

    public static IReadOnlyList<string> Of(GpuPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var all = new List<string>();
        foreach (var address in options.Servers.Prepend(options.Server))
        {
            if (!string.IsNullOrWhiteSpace(address) && !all.Any(a => Same(a, address)))
            {
                all.Add(address.Trim());
            }
        }

        return all;
    }

    /// <summary>True for an address that names a pool rather than one server (several addresses, or a DNS name).</summary>
    public static bool IsPool(IReadOnlyList<string> addresses) =>
        addresses.Count > 1 || (addresses.Count == 1 && addresses[0].StartsWith(DnsPrefix, StringComparison.OrdinalIgnoreCase));

    public static bool IsHttp(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    public static bool IsUnix(string address) => address.StartsWith(UnixPrefix, StringComparison.Ordinal) && address.Length > UnixPrefix.Length;

    public static bool IsDns(string address) =>
        address.StartsWith(DnsPrefix, StringComparison.OrdinalIgnoreCase) && address.Length > DnsPrefix.Length
        && Uri.TryCreate("http://" + address[DnsPrefix.Length..], UriKind.Absolute, out var uri) && uri.Host.Length > 0;

    /// <summary>Addresses that differ only by a trailing slash or the case of the scheme and host name one server.</summary>
    public static bool Same(string a, string b) =>
        string.Equals(a.Trim().TrimEnd('/'), b.Trim().TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}
