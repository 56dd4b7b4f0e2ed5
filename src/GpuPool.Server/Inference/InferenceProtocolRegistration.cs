using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GpuPool.Server.Inference;

/// <summary>Registers the Open Inference Protocol (KServe v2 / Triton) endpoints and the model repository.</summary>
internal static class InferenceProtocolRegistration
{
    public static IServiceCollection AddOpenInferenceProtocol(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModelRepositoryOptions>()
            .Bind(configuration.GetSection(ModelRepositoryOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ModelRepositoryDirectory>();
        services.TryAddSingleton<ModelRepository>();
        services.TryAddSingleton<InferenceRunner>();
        services.TryAddSingleton<InferenceHttpFilter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, ModelRepositoryService>());
        return services;
    }
}
