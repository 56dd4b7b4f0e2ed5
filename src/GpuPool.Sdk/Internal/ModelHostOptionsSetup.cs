using GpuPool.Runtime;
using GpuPool.Runtime.Models;

namespace GpuPool.Internal;

/// <summary>Binds <see cref="ModelHostOptions"/> from <c>GpuPool:Runtime:Models</c>, as the server does.</summary>
internal sealed class ModelHostOptionsSetup(IServiceProvider services)
    : ConfigureFromConfiguration<ModelHostOptions>(GpuPoolRuntimeOptions.SectionName + ":Models", services);
