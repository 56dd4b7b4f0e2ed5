using GpuPool.Runtime;
using GpuPool.Runtime.Isolation;

namespace GpuPool.Internal;

/// <summary>Binds <see cref="WorkerOptions"/> from <c>GpuPool:Runtime:Workers</c>, as the server does.</summary>
internal sealed class WorkerOptionsSetup(IServiceProvider services)
    : ConfigureFromConfiguration<WorkerOptions>(GpuPoolRuntimeOptions.SectionName + ":Workers", services);
