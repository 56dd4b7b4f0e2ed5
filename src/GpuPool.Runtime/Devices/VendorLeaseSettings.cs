using System.Globalization;

namespace GpuPool.Runtime.Devices;

/// <summary>
/// What each vendor's runtime needs to use one device for a lease: the variables that narrow a process to
/// that device, and the ONNX Runtime execution providers with their device id and memory limit. The
/// built-in providers answer with these; <c>OnnxSessionOptions</c> and the worker use them by vendor.
/// Simulated devices and the CPU need nothing.
/// </summary>
public static class VendorLeaseSettings
{
    /// <summary>
    /// The variables a worker process needs to see only <paramref name="device"/>:
    /// NVIDIA <c>CUDA_VISIBLE_DEVICES</c> (UUID, else ordinal); AMD and Hygon <c>ROCR_VISIBLE_DEVICES</c>
    /// (UUID, else ordinal) with <c>HIP_VISIBLE_DEVICES=0</c> (HIP numbers the devices ROCr left visible);
    /// Huawei <c>ASCEND_RT_VISIBLE_DEVICES</c> (logical id). Empty for the CPU and simulated devices.
    /// </summary>
    public static IReadOnlyDictionary<string, string> WorkerEnvironment(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var ordinal = device.Ordinal.ToString(CultureInfo.InvariantCulture);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (device.IsSimulated || device.Kind == DeviceKind.Cpu)
        {
            return variables;
        }

        switch (device.Vendor)
        {
            case DeviceVendor.Nvidia:
                variables["CUDA_VISIBLE_DEVICES"] = device.Uuid ?? ordinal;
                break;
            case DeviceVendor.Amd or DeviceVendor.Hygon:
                variables["ROCR_VISIBLE_DEVICES"] = device.Uuid ?? ordinal;
                variables["HIP_VISIBLE_DEVICES"] = "0";
                break;
            case DeviceVendor.Huawei:
                variables["ASCEND_RT_VISIBLE_DEVICES"] = ordinal;
                break;
        }

        return variables;
    }

    /// <summary>
    /// The ONNX Runtime execution providers for a lease on <paramref name="device"/>, in order of preference:
    /// NVIDIA <c>CUDA</c>; AMD and Hygon <c>ROCM</c> then <c>MIGraphX</c>; Huawei <c>CANN</c>. Each gets the
    /// device ordinal as <c>device_id</c> and, where the provider has one, <paramref name="memoryLimitBytes"/>
    /// as its arena limit (<c>gpu_mem_limit</c>, <c>migraphx_mem_limit</c>, <c>npu_mem_limit</c>).
    /// </summary>
    public static IReadOnlyList<ExecutionProviderSettings> ExecutionProviders(DeviceDescriptor device, long memoryLimitBytes)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegative(memoryLimitBytes);
        if (device.IsSimulated || device.Kind == DeviceKind.Cpu)
        {
            return [];
        }

        var id = device.Ordinal.ToString(CultureInfo.InvariantCulture);
        var limit = memoryLimitBytes.ToString(CultureInfo.InvariantCulture);
        return device.Vendor switch
        {
            DeviceVendor.Nvidia => [Arena("CUDA", id, "gpu_mem_limit", limit)],
            DeviceVendor.Amd or DeviceVendor.Hygon =>
            [
                Arena("ROCM", id, "gpu_mem_limit", limit),
                new ExecutionProviderSettings
                {
                    Name = "MIGraphX",
                    Options = new Dictionary<string, string>(StringComparer.Ordinal) { ["device_id"] = id, ["migraphx_mem_limit"] = limit },
                },
            ],
            DeviceVendor.Huawei => [Arena("CANN", id, "npu_mem_limit", limit)],
            _ => [],
        };
    }

    // kSameAsRequested keeps the arena from growing past what runs need, so the limit holds.
    private static ExecutionProviderSettings Arena(string name, string deviceId, string limitKey, string limit) => new()
    {
        Name = name,
        Options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = deviceId,
            [limitKey] = limit,
            ["arena_extend_strategy"] = "kSameAsRequested",
        },
    };
}
