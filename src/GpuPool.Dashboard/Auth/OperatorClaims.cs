using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace GpuPool.Dashboard.Auth;

/// <summary>
/// What a session knows of its operator: a fingerprint of the key (for the audit log), the key itself
/// (kept server-side only, in <see cref="MemoryTicketStore"/>; actions are made with it so that the
/// pool's own audit names the operator's tenant) and the pools where it has the admin role.
/// </summary>
internal static class OperatorClaims
{
    public const string AdminKey = "urn:gpupool:admin-key";
    public const string AdminPool = "urn:gpupool:admin-pool";

    public static ClaimsPrincipal Create(string key, IEnumerable<string> adminPools)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, Fingerprint(key)), new(AdminKey, key) };
        claims.AddRange(adminPools.Select(p => new Claim(AdminPool, p)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    /// <summary>"key 1a2b3c4d5e6f": names a key in logs without revealing it.</summary>
    public static string Fingerprint(string key) => "key " + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];

    public static string Operator(this ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";

    public static string? Key(this ClaimsPrincipal user) => user.FindFirst(AdminKey)?.Value;

    public static bool IsAdminOn(this ClaimsPrincipal user, string pool) => user.HasClaim(AdminPool, pool);
}
