using GpuPool.Runtime;

namespace GpuPool.Internal;

/// <summary>Binds <see cref="GpuPoolRuntimeOptions"/> from <c>GpuPool:Runtime</c>.</summary>
internal sealed class GpuPoolRuntimeOptionsSetup(IServiceProvider services)
    : ConfigureFromConfiguration<GpuPoolRuntimeOptions>(GpuPoolRuntimeOptions.SectionName, services);
