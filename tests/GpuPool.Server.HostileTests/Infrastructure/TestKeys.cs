using System.Security.Cryptography;
using System.Text;

namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>The API keys of the test tenants. Each run draws fresh keys so a key found in a log can only have come from this run.</summary>
internal static class TestKeys
{
    public static readonly string Alpha = NewKey("alpha");

    public static readonly string Beta = NewKey("beta");

    public static readonly string Admin = NewKey("ops");

    public static IEnumerable<string> All => [Alpha, Beta, Admin];

    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string NewKey(string tenant) => $"gp-{tenant}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}";
}
