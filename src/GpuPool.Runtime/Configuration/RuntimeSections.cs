using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Configuration;

/// <summary>
/// The engine's configuration sections, bound once each (from the container's <c>IConfiguration</c> when
/// it has one) and validated at start-up with messages that name the configuration key.
/// </summary>
public static class RuntimeSections
{
    /// <summary>The engine's section (<see cref="GpuPoolRuntimeOptions"/>).</summary>
    public const string Runtime = GpuPoolRuntimeOptions.SectionName;

    /// <summary>The fair device scheduler's section (<see cref="FairSchedulerOptions"/>).</summary>
    public const string Scheduler = Runtime + ":Scheduler";

    /// <summary>The model host's section (<see cref="ModelHostOptions"/>).</summary>
    public const string Models = Runtime + ":Models";

    /// <summary>The process-isolation workers' section (<see cref="WorkerOptions"/>).</summary>
    public const string Workers = Runtime + ":Workers";

    internal static void Add(IServiceCollection services)
    {
        Add<GpuPoolRuntimeOptions>(services, Runtime);
        Add<FairSchedulerOptions>(services, Scheduler);
        Add<ModelHostOptions>(services, Models);
        Add<WorkerOptions>(services, Workers);
    }

    private static void Add<TOptions>(IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddOptions<TOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<TOptions>, SectionBinder<TOptions>>(sp => new SectionBinder<TOptions>(section, sp)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, SectionValidator<TOptions>>(_ => new SectionValidator<TOptions>(section)));
    }
}
