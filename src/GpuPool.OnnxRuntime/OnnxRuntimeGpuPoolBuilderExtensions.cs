using GpuPool.OnnxRuntime;
using GpuPool.Runtime.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds ONNX Runtime to a pool.</summary>
public static class OnnxRuntimeGpuPoolBuilderExtensions
{
    /// <summary>Lets leases load ONNX models (ONNX Runtime). The application references the native package it wants (CPU or GPU).</summary>
    public static IGpuPoolBuilder AddOnnxRuntime(this IGpuPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelBackend, OnnxModelBackend>());
        return builder;
    }
}
