using System.Reflection;
using System.Text.RegularExpressions;
using GpuPool.Client.Routing.Tests.Support;
using GpuPool.Runtime;
using GpuPool.Server;
using Microsoft.Extensions.Configuration;

namespace GpuPool.Client.Routing.Tests;

/// <summary>deploy/: the Kubernetes manifests render offline, and every setting the deployments make is one the server reads.</summary>
public sealed class DeployManifestTests
{
    private static readonly string Deploy = Path.Combine(AppContext.BaseDirectory, "deploy");

    [KubectlFact]
    public async Task Kustomize_Base_DaemonSetServicesSecretsPolicyAndProbes()
    {
        var yaml = await Kubectl.KustomizeAsync(Path.Combine(Deploy, "kubernetes", "base"));

        Assert.Equal(["ConfigMap", "DaemonSet", "Namespace", "NetworkPolicy", "Secret", "Secret", "Service", "Service", "Service"], Kinds(yaml));
        Assert.Contains("clusterIP: None", yaml, StringComparison.Ordinal); // the headless Service of node addresses
        Assert.Contains("type: ExternalName", yaml, StringComparison.Ordinal); // PostgreSQL outside the cluster
        Assert.Contains("nvidia.com/gpu.present: \"true\"", yaml, StringComparison.Ordinal);
        Assert.Contains("runtimeClassName: nvidia", yaml, StringComparison.Ordinal);
        Assert.Contains("path: /health/ready", yaml, StringComparison.Ordinal);
        Assert.Contains("path: /health/live", yaml, StringComparison.Ordinal);
        Assert.Contains("runAsNonRoot: true", yaml, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Kustomize_Trial_PostgresStatefulSetReplacesTheExternalName()
    {
        var yaml = await Kubectl.KustomizeAsync(Path.Combine(Deploy, "kubernetes", "overlays", "trial"));

        Assert.Contains("StatefulSet", Kinds(yaml));
        Assert.DoesNotContain("type: ExternalName", yaml, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task ConfigurationKeys_KubernetesAndSystemd_EveryOneIsReadByTheServer()
    {
        var keys = new List<KeyValuePair<string, string?>>();
        keys.AddRange(ConfigurationKeys.FromManifests(await Kubectl.KustomizeAsync(Path.Combine(Deploy, "kubernetes", "base"))));
        keys.AddRange(ConfigurationKeys.FromManifests(await Kubectl.KustomizeAsync(Path.Combine(Deploy, "kubernetes", "overlays", "trial"))));
        keys.AddRange(ConfigurationKeys.FromEnvironmentFile(await File.ReadAllTextAsync(Path.Combine(Deploy, "systemd", "gpupool-server.env"))));
        keys.AddRange(ConfigurationKeys.FromEnvironmentFile(await File.ReadAllTextAsync(Path.Combine(Deploy, "systemd", "gpupool-server.service"))));

        Assert.Contains(keys, k => k.Key == "GpuPool:Cluster:AdvertisedAddress");
        Assert.Contains(keys, k => k.Key == "GpuPoolServer:Tenants:alpha:ApiKeyFile");
        AssertReadByTheServer(keys);
    }

    [Fact]
    public void AssertReadByTheServer_AMisspelledKey_Fails()
    {
        var error = Assert.ThrowsAny<Exception>(() => AssertReadByTheServer([new("GpuPool:Cluster:HeartBeatEvery", "00:00:01")]));

        Assert.Contains("HeartBeatEvery", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Binds the keys against the server's real options types, refusing any key that none of them has.</summary>
    private static void AssertReadByTheServer(IReadOnlyCollection<KeyValuePair<string, string?>> keys)
    {
        var unknown = keys.Select(k => k.Key).Where(k => !Sections.Any(s => k.StartsWith(s.Key + ":", StringComparison.OrdinalIgnoreCase)) && !IsHostKey(k)).ToList();
        Assert.True(unknown.Count == 0, $"Not read by the server: {string.Join(", ", unknown)}");
        // Several deployments may set one key: each value must bind, so each is bound on its own.
        foreach (var key in keys)
        {
            Bind(new ConfigurationBuilder().AddInMemoryCollection([key]).Build());
        }
    }

    private static void Bind(IConfiguration configuration)
    {
        foreach (var (section, create) in Sections)
        {
            configuration.GetSection(section).Bind(create(), o => o.ErrorOnUnknownConfiguration = true);
        }
    }

    private static readonly Dictionary<string, Func<object>> Sections = new(StringComparer.Ordinal)
    {
        [GpuPoolRuntimeOptions.SectionName] = () => new GpuPoolRuntimeOptions(),
        [GpuPoolServerOptions.SectionName] = () => new GpuPoolServerOptions(),
        ["GpuPool:Cluster"] = () => Activator.CreateInstance(Assembly.Load("GpuPool.Cluster").GetType("GpuPool.Cluster.ClusterOptions", throwOnError: true)!, nonPublic: true)!,
    };

    /// <summary>ASP.NET Core's own settings the deployments make: Kestrel endpoints and log levels.</summary>
    private static bool IsHostKey(string key) =>
        Regex.IsMatch(key, @"^Kestrel:Endpoints:[A-Za-z0-9]+:(Url|Protocols|Certificate:(Path|Password|KeyPath))$")
        || Regex.IsMatch(key, @"^Logging:LogLevel:[A-Za-z0-9.]+$");

    private static string[] Kinds(string yaml) =>
        [.. Regex.Matches(yaml, @"^kind: (\w+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal)];
}
