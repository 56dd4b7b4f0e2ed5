using System.Globalization;
using GpuPool.OnnxRuntime.Internal;
using GpuPool.Runtime.Devices;
using Microsoft.ML.OnnxRuntime;

namespace GpuPool.OnnxRuntime;

/// <summary>
/// Configures ONNX Runtime <see cref="SessionOptions"/> for a leased device, for applications that
/// call ONNX Runtime themselves: on NVIDIA the CUDA provider, on AMD and Hygon the ROCm (else MIGraphX)
/// provider, on Huawei Ascend the CANN provider, each with the device id and the lease's memory as its
/// arena limit (<see cref="VendorLeaseSettings.ExecutionProviders"/>); on the CPU, intra-op threads from the
/// lease's compute share.
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
    /// <c>gpu_mem_limit</c> (CUDA, ROCm) and <c>npu_mem_limit</c> (CANN) cap ONNX Runtime's arena: a run that
    /// needs more fails (that run only). <c>arena_extend_strategy = kSameAsRequested</c> keeps the arena from
    /// growing past what runs need. The MIGraphX provider is given its device id; ONNX Runtime's .NET API
    /// offers it no memory limit unless the native library accepts <c>migraphx_mem_limit</c>.
    /// </remarks>
    /// <exception cref="NotSupportedException">
    /// The device is an AMD, Hygon or Ascend device and the loaded ONNX Runtime offers none of its execution
    /// providers (reference an ONNX Runtime built with ROCm, MIGraphX or CANN).
    /// </exception>
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
        try
        {
            var candidates = VendorLeaseSettings.ExecutionProviders(device, memoryLimitBytes);
            if (device.Vendor == DeviceVendor.Nvidia && candidates.Count > 0)
            {
                // CUDA is appended as before: ONNX Runtime itself reports a missing CUDA build.
                AppendCuda(options, candidates[0]);
            }
            else if (candidates.Count > 0)
            {
                // ONNX Runtime's environment starts once per process: the pool's way (with its global thread pool)
                // before anything here asks for it, or a backend starting at the same moment would take an
                // environment without the pool for one with it.
                _ = GlobalThreadPools.Enabled;
                var available = OrtEnv.Instance().GetAvailableProviders();
                var chosen = SelectExecutionProvider(device, memoryLimitBytes, available)
                    ?? throw new NotSupportedException(
                        $"Device {device.Id} ({device.Vendor}) needs one of the ONNX Runtime execution providers {string.Join(", ", candidates.Select(c => c.ProviderName))}; " +
                        $"the loaded ONNX Runtime offers {string.Join(", ", available)}. Reference an ONNX Runtime build with one of them.");
                Append(options, chosen);
            }
        }
        catch
        {
            options.Dispose();
            throw;
        }

        return options;
    }

    /// <summary>
    /// The execution provider <see cref="Create"/> uses for <paramref name="device"/>: the first of the vendor's
    /// providers (<see cref="VendorLeaseSettings.ExecutionProviders"/>) among <paramref name="availableProviders"/>
    /// (ONNX Runtime's names, such as <c>ROCMExecutionProvider</c>); <see langword="null"/> when none is available
    /// or the device needs none (CPU, simulated).
    /// </summary>
    public static ExecutionProviderSettings? SelectExecutionProvider(DeviceDescriptor device, long memoryLimitBytes, IEnumerable<string> availableProviders)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(availableProviders);
        var available = new HashSet<string>(availableProviders, StringComparer.OrdinalIgnoreCase);
        return VendorLeaseSettings.ExecutionProviders(device, memoryLimitBytes).FirstOrDefault(p => available.Contains(p.ProviderName));
    }

    /// <summary>The CPU threads a share of a device gets (at least one).</summary>
    public static int ThreadsFor(DeviceDescriptor device, int computeMilli)
    {
        ArgumentNullException.ThrowIfNull(device);
        var units = Math.Max(1, device.Kind == DeviceKind.Cpu || device.IsSimulated ? device.ComputeUnits : Environment.ProcessorCount);
        return Math.Max(1, (int)Math.Round(units * computeMilli / (double)SliceRequest.FullDeviceMilli));
    }

    private static void AppendCuda(SessionOptions options, ExecutionProviderSettings cuda)
    {
        using var provider = new OrtCUDAProviderOptions();
        provider.UpdateOptions(new Dictionary<string, string>(cuda.Options));
        options.AppendExecutionProvider_CUDA(provider);
    }

    private static void Append(SessionOptions options, ExecutionProviderSettings chosen)
    {
        switch (chosen.Name)
        {
            case "ROCM":
                using (var rocm = new OrtROCMProviderOptions())
                {
                    rocm.UpdateOptions(new Dictionary<string, string>(chosen.Options));
                    options.AppendExecutionProvider_ROCm(rocm);
                }

                break;
            case "MIGraphX":
                try
                {
                    options.AppendExecutionProvider(chosen.Name, new Dictionary<string, string>(chosen.Options));
                }
                catch (OnnxRuntimeException)
                {
                    // Builds whose generic registration does not know MIGraphX take the device id only.
                    options.AppendExecutionProvider_MIGraphX(int.Parse(chosen.Options["device_id"], CultureInfo.InvariantCulture));
                }

                break;
            default:
                options.AppendExecutionProvider(chosen.Name, new Dictionary<string, string>(chosen.Options));
                break;
        }
    }
}
