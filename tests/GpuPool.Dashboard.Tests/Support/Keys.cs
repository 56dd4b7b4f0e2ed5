using System.Security.Cryptography;
using System.Text;

namespace GpuPool.Dashboard.Tests.Support;

/// <summary>The API keys of the test tenants (ops has the admin role) and the hash servers are configured with.</summary>
internal static class Keys
{
    public const string Admin = "ops-admin-key";
    public const string Alpha = "alpha-tenant-key";
    public const string Wrong = "no-such-key";

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
