namespace GpuPool.Cli.Tests.Support;

/// <summary>The API keys of the test tenants.</summary>
internal static class Keys
{
    public const string Alpha = "alpha-cli-key";
    public const string Admin = "ops-cli-key";
}
