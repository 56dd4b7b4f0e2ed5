using GpuPool.Runtime;
using GpuPool.Runtime.Scheduling;

namespace GpuPool.Internal;

/// <summary>Binds <see cref="FairSchedulerOptions"/> from <c>GpuPool:Runtime:Scheduler</c>, as the server does.</summary>
internal sealed class FairSchedulerOptionsSetup(IServiceProvider services)
    : ConfigureFromConfiguration<FairSchedulerOptions>(GpuPoolRuntimeOptions.SectionName + ":Scheduler", services);
