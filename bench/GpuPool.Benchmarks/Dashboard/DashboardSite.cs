using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using GpuPool.Dashboard;
using GpuPool.Server.TestHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace GpuPool.Benchmarks.Dashboard;

/// <summary>A pool server (tenants bench and ops = admin) with the dashboard over it, both in this process, and a signed-in HTTP client of the dashboard.</summary>
internal sealed partial class DashboardSite : IAsyncDisposable
{
    public const string TenantKey = "bench-key";
    private const string AdminKey = "bench-admin-key";

    private readonly WebApplication _dashboard;
    private readonly HttpClient _http;

    private DashboardSite(LoopbackServer server, WebApplication dashboard, HttpClient http)
    {
        Server = server;
        _dashboard = dashboard;
        _http = http;
    }

    public LoopbackServer Server { get; }

    public static async Task<DashboardSite> StartAsync(CancellationToken cancellationToken)
    {
        var server = await LoopbackServer.StartAsync(new Dictionary<string, string?>
        {
            ["GpuPool:Runtime:Cpu:HostMemoryBytes"] = ByteSize.GiB(8).ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:Tenants:bench:ApiKeySha256:0"] = Hash(TenantKey),
            ["GpuPoolServer:Tenants:ops:ApiKeySha256:0"] = Hash(AdminKey),
            ["GpuPoolServer:Tenants:ops:Admin"] = "true",
            ["GpuPool:Runtime:DefaultTimeToLive"] = "00:10:00",
        });
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var dashboard = DashboardApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{port}",
                ["Dashboard:Pools:0:Name"] = "bench",
                ["Dashboard:Pools:0:Addresses:0"] = server.Address.ToString(),
                ["Dashboard:Pools:0:AdminKey"] = AdminKey,
            });
            builder.Logging.ClearProviders();
        });
        await dashboard.StartAsync(cancellationToken);
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var login = await http.GetStringAsync(new Uri("/Login", UriKind.Relative), cancellationToken);
        var token = CsrfToken().Match(login).Groups[1].Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["Key"] = AdminKey, ["__csrf"] = token });
        using var signIn = await http.PostAsync(new Uri("/Login", UriKind.Relative), form, cancellationToken);
        signIn.EnsureSuccessStatusCode();
        return new DashboardSite(server, dashboard, http);
    }

    /// <summary>Fetches a page (HTML) as the browser would.</summary>
    public Task<string> GetAsync(string path, CancellationToken cancellationToken) => _http.GetStringAsync(new Uri(path, UriKind.Relative), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _dashboard.StopAsync();
        await _dashboard.DisposeAsync();
        await Server.DisposeAsync();
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}
