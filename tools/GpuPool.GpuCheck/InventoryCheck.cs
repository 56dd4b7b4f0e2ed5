using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Devices.Nvidia;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.GpuCheck;

/// <summary>gpu-inventory: what NVML found, what the pool offers, what telemetry and CUDA see.</summary>
internal static class InventoryCheck
{
    private const double MiB = 1024.0 * 1024.0;

    public static DeviceDescriptor? Run(IServiceProvider services)
    {
        var inventory = services.GetRequiredService<DeviceInventory>();
        var provider = services.GetRequiredService<NvidiaDeviceProvider>();
        var telemetry = services.GetRequiredService<NvidiaTelemetryService>();
        var cuda = services.GetRequiredService<CudaDevices>();
        telemetry.SampleNow();
        var devices = inventory.Devices.Where(CudaDevices.IsCudaDevice).ToList();
        var first = devices.FirstOrDefault();
        var firstGpu = first is null ? null : provider.Gpus.First(g => g.Id == first.Id);
        var sample = first is null ? null : telemetry.Latest.GetValueOrDefault(first.Id);
        var memory = first is null ? null : cuda.Open(first)?.GetMemoryInfo();
        JsonLine.Write(w =>
        {
            w.WriteString("bench", "gpu-inventory");
            w.WriteNumber("devices", devices.Count);
            w.WriteString("name", first?.Model);
            w.WriteNumber("memory_mib", Math.Round((firstGpu?.TotalMemoryBytes ?? 0) / MiB));
            w.WriteNumber("offered_mib", Math.Round((first?.TotalMemoryBytes ?? 0) / MiB));
            w.WriteString("uuid", first?.Uuid);
            w.WriteString("compute_capability", first?.ComputeCapability);
            w.WriteBoolean("mig", first?.Kind == DeviceKind.GpuPartition);
            w.WriteNumber("used_mib", Math.Round((sample?.UsedMemoryBytes ?? 0) / MiB));
            w.WriteNumber("external_mib", Math.Round((sample?.ExternalMemoryBytes ?? 0) / MiB));
            if (sample?.GpuUtilizationPercent is { } utilization)
            {
                w.WriteNumber("utilization_pct", utilization);
            }

            w.WriteBoolean("cuda", memory is not null);
            w.WriteNumber("cuda_free_mib", Math.Round((memory?.Free ?? 0) / MiB));
            w.WriteNumber("cuda_total_mib", Math.Round((memory?.Total ?? 0) / MiB));
            w.WriteString("scheduler", CheckHost.SchedulerName(services));
            w.WriteStartArray("all");
            foreach (var gpu in provider.Gpus)
            {
                w.WriteStartObject();
                w.WriteString("id", gpu.Id);
                w.WriteString("name", gpu.Name);
                w.WriteString("uuid", gpu.Uuid);
                w.WriteNumber("memory_mib", Math.Round(gpu.TotalMemoryBytes / MiB));
                w.WriteString("cc", gpu.ComputeCapability);
                w.WriteBoolean("mig", gpu.IsMig);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        return first;
    }
}
