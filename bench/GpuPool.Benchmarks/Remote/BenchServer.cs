using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GpuPool.Server.TestHost;
using Microsoft.AspNetCore.Builder;

namespace GpuPool.Benchmarks.Remote;

/// <summary>A real GpuPool server on a TCP loopback port (plus the echo service), in this process, with one tenant.</summary>
internal static class BenchServer
{
    public const string ApiKey = "bench-key";

    public static async Task<LoopbackServer> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var settings = Settings();
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return await LoopbackServer.StartAsync(settings, map: app => app.MapGrpcService<EchoService>());
    }

    /// <summary>The settings of a bench server: 8 GiB of host memory, one tenant with <see cref="ApiKey"/>.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["GpuPool:Runtime:Cpu:HostMemoryBytes"] = ByteSize.GiB(8).ToString(CultureInfo.InvariantCulture),
        ["GpuPoolServer:Tenants:bench:ApiKeySha256:0"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ApiKey))),
    };
}
