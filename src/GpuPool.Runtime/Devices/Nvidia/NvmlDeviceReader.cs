using System.Globalization;

namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>
/// Enumerates every GPU through NVML and, on a GPU with MIG mode on, its MIG instances instead of the
/// GPU itself (a GPU in MIG mode runs CUDA work only in its instances).
/// </summary>
internal static class NvmlDeviceReader
{
    /// <summary>Reads the GPUs and MIG instances; NVML must be initialised.</summary>
    /// <exception cref="NvmlException">NVML failed on a call every device needs.</exception>
    public static IReadOnlyList<NvidiaGpu> Read(INvml nvml)
    {
        ArgumentNullException.ThrowIfNull(nvml);
        var found = new List<NvidiaGpu>();
        var count = nvml.GetDeviceCount();
        for (var index = 0; index < count; index++)
        {
            var handle = nvml.GetDeviceHandle(index);
            var gpu = Describe(nvml, handle, "nvidia" + index.ToString(CultureInfo.InvariantCulture), index, null, null);
            if (!nvml.IsMigEnabled(handle))
            {
                found.Add(gpu);
                continue;
            }

            var slots = nvml.GetMaxMigDeviceCount(handle);
            for (var slot = 0; slot < slots; slot++)
            {
                if (nvml.GetMigDevice(handle, slot) is { } mig)
                {
                    var id = string.Create(CultureInfo.InvariantCulture, $"nvidia{index}-mig{slot}");
                    found.Add(Describe(nvml, mig, id, index, slot, gpu.ComputeCapability));
                }
            }
        }

        return found;
    }

    private static NvidiaGpu Describe(INvml nvml, nint handle, string id, int gpuIndex, int? migIndex, string? parentCapability)
    {
        var memory = nvml.GetMemory(handle);
        var capability = nvml.GetComputeCapability(handle) is { } cc
            ? string.Create(CultureInfo.InvariantCulture, $"{cc.Major}.{cc.Minor}")
            : parentCapability;
        return new NvidiaGpu
        {
            Id = id,
            Handle = handle,
            GpuIndex = gpuIndex,
            MigIndex = migIndex,
            Uuid = nvml.GetUuid(handle),
            Name = nvml.GetName(handle),
            TotalMemoryBytes = memory.Total,
            ReservedMemoryBytes = memory.Reserved,
            ComputeCapability = capability,
            Multiprocessors = nvml.GetMultiprocessorCount(handle) ?? 0,
        };
    }
}
