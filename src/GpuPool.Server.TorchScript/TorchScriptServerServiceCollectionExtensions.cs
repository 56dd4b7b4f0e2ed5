using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Models;
using GpuPool.Server.Models;
using GpuPool.Server.TorchScript;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds TorchScript models to the GpuPool server.</summary>
public static class TorchScriptServerServiceCollectionExtensions
{
    /// <summary>The worker that runs TorchScript (and ONNX) models of process-isolated leases, next to the server.</summary>
    public const string WorkerFileName = "GpuPool.Server.TorchScript.Worker.dll";

    /// <summary>
    /// Call after <c>AddGpuPoolServer</c>: replaces the plain server's TorchScript refusal with the TorchSharp backend
    /// (switched by <c>GpuPoolServer:TorchScript</c>, default on) and, unless <c>GpuPool:Runtime:Workers:WorkerPath</c>
    /// is set, starts process-isolated leases in <see cref="WorkerFileName"/>, which can load TorchScript.
    /// Calling it twice is harmless.
    /// </summary>
    public static IServiceCollection AddGpuPoolServerTorchScript(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IModelBackend) && services[i].ImplementationType == typeof(TorchScriptUnavailableBackend))
            {
                services.RemoveAt(i);
            }
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelBackend, TorchScriptSwitch>());
        services.PostConfigure<WorkerOptions>(options =>
        {
            if (string.IsNullOrWhiteSpace(options.WorkerPath))
            {
                options.WorkerPath = Path.Combine(AppContext.BaseDirectory, WorkerFileName);
            }
        });
        return services;
    }
}
