using GpuPool.OnnxRuntime;
using GpuPool.Runtime;
using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using GpuPool.Server;
using GpuPool.Server.Auth;
using GpuPool.Server.Diagnostics;
using GpuPool.Server.Errors;
using GpuPool.Server.Inference;
using GpuPool.Server.Leasing;
using GpuPool.Server.Models;
using GpuPool.Server.Services;
using GpuPool.Server.Sessions;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GpuPool server: the runtime, tenants and quotas, and the gRPC services.</summary>
public static class GpuPoolServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the server. Settings bind from <c>GpuPoolServer</c>; the engine binds its own from <c>GpuPool:Runtime</c>
    /// (see <see cref="GpuPoolRuntimeServiceCollectionExtensions.AddGpuPoolRuntime"/>); both are validated at start-up.
    /// Calling it twice is harmless.
    /// </summary>
    public static IServiceCollection AddGpuPoolServer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<GpuPoolServerOptions>()
            .Bind(configuration.GetSection(GpuPoolServerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpuPoolServerOptions>, GpuPoolServerOptionsValidator>());
        services.TryAddSingleton<ITenantQuotaPolicy, ConfiguredTenantQuotaPolicy>();
        services.AddGpuPoolRuntime();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelBackend, OnnxModelBackend>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelBackend, TorchScriptUnavailableBackend>());
        services.TryAddSingleton<ApiKeyRegistry>();
        services.TryAddSingleton<ServerErrorMapper>();
        services.TryAddSingleton<ServerInstance>();
        services.TryAddSingleton<EndedLeases>();
        services.TryAddSingleton<LeaseOperations>();
        services.TryAddSingleton<SessionRegistry>();
        services.TryAddSingleton<AdminRateLimiter>();
        services.TryAddSingleton<ClientMemoryBudget>();
        services.TryAddSingleton<ModelStore>();
        services.TryAddSingleton<ServerModels>();
        services.TryAddSingleton<ServerMetrics>();
        services.AddServerSharedMemory();
        services.AddServerTelemetry(configuration);
        // GpuPool:Cluster set: this server is a node of a pool whose state of record is PostgreSQL (before
        // ServerStartup, so that the node has joined before the first call).
        services.AddGpuPoolCluster(configuration);
        services.AddHostedService<ServerStartup>();
        services.AddOpenInferenceProtocol(configuration);
        services.AddGrpc(o => o.Interceptors.Add<ServerInterceptor>());
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<GpuPoolServerOptions>>((grpc, server) =>
        {
            grpc.MaxReceiveMessageSize = server.Value.MaxMessageBytes;
            grpc.MaxSendMessageSize = server.Value.MaxMessageBytes;
            grpc.EnableDetailedErrors = server.Value.DetailedErrors;
        });
        services.AddGrpcHealthChecks().AddCheck<DevicesHealthCheck>("devices", tags: ["ready"]);
        return services;
    }
}
