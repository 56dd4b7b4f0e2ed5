using GpuPool.Runtime.Models;
using GpuPool.TorchSharp;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds TorchSharp to a pool.</summary>
public static class TorchSharpGpuPoolBuilderExtensions
{
    /// <summary>
    /// Lets leases load TorchScript models (run with TorchSharp's <c>torch.jit.load</c>) and registers
    /// <see cref="TorchSharpLeases"/>. The application references the libtorch native package it wants
    /// (for example <c>libtorch-cpu-linux-x64</c>). Calling it twice is harmless.
    /// </summary>
    public static IGpuPoolBuilder AddTorchSharp(this IGpuPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTorchSharpModels();
        return builder;
    }

    /// <summary>
    /// Registers the TorchScript backend and <see cref="TorchSharpLeases"/> on a service collection that already has
    /// the runtime (<c>AddGpuPoolRuntime()</c>), for hosts such as the pool server that do not use the SDK's builder.
    /// </summary>
    public static IServiceCollection AddTorchSharpModels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelBackend, TorchScriptModelBackend>());
        services.TryAddSingleton<TorchSharpLeases>();
        return services;
    }
}
