using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime;

/// <summary>
/// Configures ONNX Runtime <see cref="SessionOptions"/> for a leased device, for applications that
/// call ONNX Runtime themselves: the CUDA provider with <c>device_id</c> and <c>gpu_mem_limit</c> from the
/// lease on NVIDIA devices; on the CPU, intra-op threads from the lease's compute share.
/// </summary>
public static class OnnxSessionOptions
{
    /// <summary>Creates session options for the lease's device.</summary>
    public static SessionOptions ForLease(GpuLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return Create(lease.Device, lease.MemoryBytes, ThreadsFor(lease.Device, lease.ComputeMilli));
    }

    /// <summary>Creates session options for a device, a memory limit and a thread count.</summary>
    /// <remarks>
    /// <c>gpu_mem_limit</c> caps ONNX Runtime's CUDA arena: a run that needs more fails (that run only).
    /// <c>arena_extend_strategy = kSameAsRequested</c> keeps the arena from growing past what runs need.
    /// </remarks>
    public static SessionOptions Create(DeviceDescriptor device, long memoryLimitBytes, int intraOpThreads)
    {
        ArgumentNullException.ThrowIfNull(device);
        var options = new SessionOptions
        {
            IntraOpNumThreads = Math.Max(1, intraOpThreads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (device.Vendor == DeviceVendor.Nvidia && !device.IsSimulated)
        {
            try
            {
                using var cuda = new OrtCUDAProviderOptions();
                cuda.UpdateOptions(new Dictionary<string, string>
                {
                    ["device_id"] = device.Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["gpu_mem_limit"] = memoryLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["arena_extend_strategy"] = "kSameAsRequested",
                });
                options.AppendExecutionProvider_CUDA(cuda);
            }
            catch
            {
                options.Dispose();
                throw;
            }
        }

        return options;
    }

    /// <summary>The CPU threads a share of a device gets (at least one).</summary>
    public static int ThreadsFor(DeviceDescriptor device, int computeMilli)
    {
        ArgumentNullException.ThrowIfNull(device);
        var units = Math.Max(1, device.Kind == DeviceKind.Cpu || device.IsSimulated ? device.ComputeUnits : Environment.ProcessorCount);
        return Math.Max(1, (int)Math.Round(units * computeMilli / (double)SliceRequest.FullDeviceMilli));
    }
}
