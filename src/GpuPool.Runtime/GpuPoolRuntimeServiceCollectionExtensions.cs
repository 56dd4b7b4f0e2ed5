using GpuPool.Runtime;
using GpuPool.Runtime.Configuration;
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

/// <summary>Registers the GpuPool engine (used by the embedded pool behind <c>AddGpuPool()</c> and by the server).</summary>
public static class GpuPoolRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine for a host that runs it for its whole life (the server): device providers, the lease
    /// table, the device scheduler, the model host, and NVML telemetry as a hosted service. Settings bind
    /// once each from the container's configuration (<c>GpuPool:Runtime</c> and its <c>Scheduler</c>,
    /// <c>Models</c> and <c>Workers</c> subsections) and are validated at start-up, nested settings included.
    /// Calling it twice is harmless.
    /// </summary>
    public static IServiceCollection AddGpuPoolRuntime(this IServiceCollection services)
    {
        AddEngine(services);
        GpuPool.Runtime.Devices.Nvidia.NvidiaRegistration.AddHostedTelemetry(services);
        DeviceHealthMonitor.AddHosted(services);
        return services;
    }

    /// <summary>The engine's services; nothing is probed or started until they are resolved.</summary>
    internal static void AddEngine(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        RuntimeSections.Add(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpuPoolRuntimeOptions>, GpuPoolRuntimeOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RuntimeMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeviceProvider, CpuDeviceProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeviceProvider, SimulatedDeviceProvider>());
        GpuPool.Runtime.Devices.Nvidia.NvidiaRegistration.Add(services);
        GpuPool.Runtime.Devices.Amd.AmdRegistration.Add(services);
        GpuPool.Runtime.Devices.Ascend.AscendRegistration.Add(services);
        services.TryAddSingleton<DeviceInventory>();
        services.TryAddSingleton<FairDeviceScheduler>(sp => new FairDeviceScheduler(
            sp.GetRequiredService<IOptions<FairSchedulerOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FairDeviceScheduler>>(),
            sp.GetService<ILeaseStreamProvider>())
        {
            Metrics = sp.GetRequiredService<RuntimeMetrics>(),
        });
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
        DeviceHealthMonitor.Add(services);
        services.TryAddSingleton<WorkerSupervisor>();
        services.TryAddSingleton<ModelHost>();
        services.TryAddSingleton(sp => LeaseJournalFactory.CreateModels(sp)!);

        // Last: wraps whichever device scheduler is registered above with per-lease CUDA streams.
        GpuPool.Runtime.Cuda.CudaRegistration.Add(services);
    }
}
