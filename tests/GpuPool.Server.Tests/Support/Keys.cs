namespace GpuPool.Server.Tests.Support;

/// <summary>The API keys of the test tenants.</summary>
internal static class Keys
{
    public const string Alpha = "alpha-secret-key";
    public const string Beta = "beta-secret-key";
    public const string Admin = "admin-secret-key";
    public const string Limited = "limited-secret-key";
}
