using GpuPool.Cluster;
using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Runtime;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the cluster services when <c>GpuPool:Cluster</c> is configured.</summary>
internal static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Adds the pool-of-many-servers services. They come alive only if <c>GpuPool:Cluster</c> names a connection
    /// string source when the host is built (configuration may be added after this call); otherwise
    /// <see cref="ClusterLeases"/> resolves to null, the node agent does nothing, and the server is a
    /// single-server pool exactly as before.
    /// </summary>
    public static IServiceCollection AddGpuPoolCluster(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var connectionString = ClusterConnectionString.WithDefaults(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ResolveConnectionString());
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            if (ClusterConnectionString.SessionSetup(connectionString) is { } setup)
            {
                builder.UsePhysicalConnectionInitializer(
                    connection =>
                    {
                        using var command = new NpgsqlCommand(setup, connection);
                        command.ExecuteNonQuery();
                    },
                    async connection =>
                    {
                        var command = new NpgsqlCommand(setup, connection);
                        await using (command.ConfigureAwait(false))
                        {
                            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                        }
                    });
            }

            return builder.Build();
        });
        services.TryAddSingleton<ClusterNode>();
        services.TryAddSingleton<CapacitySignal>();
        services.TryAddSingleton(sp => new NodeRegistry(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ILogger<NodeRegistry>>()));
        services.TryAddSingleton(sp => new ClusterLeaseStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton(sp => new LeaseGrants(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetService<ITenantQuotaPolicy>()));
        services.TryAddSingleton(sp =>
        {
            var policy = sp.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.PlacementPolicy;
            return new ClusterPlacer(() => PlacementPolicies.Create(policy));
        });
        services.TryAddSingleton(sp => new GrantBatches(sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton(sp => new AnnouncementBarrier(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ClusterNode>().Time));
        services.TryAddSingleton(sp =>
        {
            var policy = sp.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value.PlacementPolicy;
            var node = sp.GetRequiredService<ClusterNode>();
            return new PoolView(
                sp.GetRequiredService<ClusterLeaseStore>(),
                () => PlacementPolicies.Create(policy),
                node.Time,
                node.Options.HeartbeatInterval,
                barrier: sp.GetRequiredService<AnnouncementBarrier>());
        });
        services.TryAddSingleton<ViewGrants>();
        services.TryAddSingleton(sp => new WaiterStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton<PoolQueue>();
        services.TryAddSingleton<NodeLeases>();
        services.TryAddSingleton<ClusterAcquirer>();
        services.TryAddSingleton(sp => IsConfigured(sp) ? ActivatorUtilities.CreateInstance<ClusterLeases>(sp) : null!);
        services.TryAddSingleton<ClusterNotifications>();
        services.TryAddSingleton<ClusterNodeAgent>();
        services.AddSingleton<IHostedService>(sp => IsConfigured(sp) ? sp.GetRequiredService<ClusterNodeAgent>() : new InactiveClusterAgent());
        return services;
    }

    private static bool IsConfigured(IServiceProvider services) => services.GetRequiredService<IOptions<ClusterOptions>>().Value.IsConfigured;
}
