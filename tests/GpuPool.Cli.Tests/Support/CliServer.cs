using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GpuPool.Server.TestHost;
using Xunit.Abstractions;

namespace GpuPool.Cli.Tests.Support;

/// <summary>The real server on loopback with a tenant (alpha) and an admin tenant (ops); its logs go to the test's output.</summary>
internal static class CliServer
{
    public static Task<LoopbackServer> StartAsync(ITestOutputHelper output) => LoopbackServer.StartAsync(
        new Dictionary<string, string?>
        {
            ["GpuPool:Runtime:Cpu:HostMemoryBytes"] = (4L << 30).ToString(CultureInfo.InvariantCulture),
            ["GpuPool:Runtime:NodeName"] = "cli-node",
            ["GpuPoolServer:Tenants:alpha:ApiKeySha256:0"] = Hash(Keys.Alpha),
            ["GpuPoolServer:Tenants:ops:ApiKeySha256:0"] = Hash(Keys.Admin),
            ["GpuPoolServer:Tenants:ops:Admin"] = "true",
        },
        logs: new XunitLoggerProvider(output));

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
