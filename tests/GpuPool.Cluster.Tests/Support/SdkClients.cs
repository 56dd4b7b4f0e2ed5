using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Cluster.Tests.Support;

/// <summary>SDK clients built as applications build them (DI), as tenant alpha.</summary>
internal static class SdkClients
{
    public static ServiceProvider For(Uri server)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServer(server, ClusterServers.AlphaKey);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
