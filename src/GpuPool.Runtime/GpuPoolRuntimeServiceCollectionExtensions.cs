using GpuPool.Runtime;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Isolation;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Persistence.Internal;
using GpuPool.Runtime.Placement;
using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GpuPool engine (used by the SDK's embedded pool and by the server).</summary>
public static class GpuPoolRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the runtime: device providers, the lease table, the device scheduler and the model host.
    /// Options come from <see cref="GpuPoolRuntimeOptions"/> (bind them from <c>GpuPool:Runtime</c>).
    /// Calling it twice is harmless.
    /// </summary>
    public static IServiceCollection AddGpuPoolRuntime(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GpuPoolRuntimeOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpuPoolRuntimeOptions>, GpuPoolRuntimeOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RuntimeMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeviceProvider, CpuDeviceProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeviceProvider, SimulatedDeviceProvider>());
        GpuPool.Runtime.Devices.Nvidia.NvidiaRegistration.Add(services);
        services.TryAddSingleton<DeviceInventory>();
        services.AddOptions<FairSchedulerOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<FairDeviceScheduler>(sp => new FairDeviceScheduler(
            sp.GetRequiredService<IOptions<FairSchedulerOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FairDeviceScheduler>>(),
            sp.GetService<ILeaseStreamProvider>()));
        services.TryAddSingleton<IDeviceScheduler>(sp => sp.GetRequiredService<FairDeviceScheduler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpuPoolRuntimeOptions>, PersistenceOptionsValidator>());
        services.TryAddSingleton<ILeaseJournal>(sp => LeaseJournalFactory.Create(sp)!);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GpuPoolRuntimeOptions>>().Value;
            var inventory = sp.GetRequiredService<DeviceInventory>();
            return new LeaseTable(
                [new NodeCapacity(inventory.Node, inventory.Devices)],
                PlacementPolicies.Create(options.PlacementPolicy),
                LeaseTableSettings.From(options),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<LeaseTable>>(),
                sp.GetRequiredService<RuntimeMetrics>(),
                sp.GetService<ILeaseJournal>(),
                sp.GetService<ITenantQuotaPolicy>());
        });
        services.AddOptions<ModelHostOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>();
        services.TryAddSingleton<WorkerSupervisor>();
        services.TryAddSingleton<ModelHost>();
        services.TryAddSingleton(sp => LeaseJournalFactory.CreateModels(sp)!);

        // Last: wraps whichever device scheduler is registered above with per-lease CUDA streams.
        GpuPool.Runtime.Cuda.CudaRegistration.Add(services);
        return services;
    }
}
