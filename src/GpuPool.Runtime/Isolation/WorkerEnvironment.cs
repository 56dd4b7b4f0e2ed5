using System.Globalization;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Isolation;

/// <summary>The environment a lease's worker process starts with.</summary>
internal static class WorkerEnvironment
{
    /// <summary>The variable that carries the worker's cap on its data memory (bytes, <c>setrlimit(RLIMIT_DATA)</c>).</summary>
    public const string DataLimitVariable = "GPUPOOL_WORKER_DATA_LIMIT";

    /// <summary>
    /// On the CPU device with a headroom above zero: <see cref="DataLimitVariable"/> = the lease's quota plus the
    /// headroom (the worker's runtime), which the worker sets as its <c>RLIMIT_DATA</c> on Linux.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(LeaseEntry lease, bool mpsAvailable, long memoryCapHeadroomBytes)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var variables = new Dictionary<string, string>(For(lease, mpsAvailable), StringComparer.Ordinal);
        if (memoryCapHeadroomBytes > 0 && lease.Devices[0].Kind == DeviceKind.Cpu)
        {
            variables[DataLimitVariable] = (lease.MemoryQuotaBytes + memoryCapHeadroomBytes).ToString(CultureInfo.InvariantCulture);
        }

        return variables;
    }

    /// <summary>
    /// The variables that narrow the worker to the lease's device (<see cref="VendorLeaseSettings.WorkerEnvironment"/>,
    /// or the device provider's own through <paramref name="inventory"/>): on NVIDIA <c>CUDA_VISIBLE_DEVICES</c>,
    /// on AMD and Hygon <c>ROCR_VISIBLE_DEVICES</c> and <c>HIP_VISIBLE_DEVICES</c>, on Ascend
    /// <c>ASCEND_RT_VISIBLE_DEVICES</c>; the worker then sees its device as ordinal 0. On a real NVIDIA
    /// device with MPS, also <c>CUDA_MPS_ACTIVE_THREAD_PERCENTAGE</c> = the share in percent (rounded up, at
    /// least 1) and <c>CUDA_MPS_PINNED_DEVICE_MEM_LIMIT</c> = <c>0=&lt;quota in MiB&gt;M</c>.
    /// The CPU and simulated devices need no variables.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(LeaseEntry lease, bool mpsAvailable, DeviceInventory? inventory = null)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var device = lease.Devices[0];
        var variables = new Dictionary<string, string>(
            inventory?.WorkerEnvironmentOf(device) ?? VendorLeaseSettings.WorkerEnvironment(device),
            StringComparer.Ordinal);
        if (mpsAvailable && device.Vendor == DeviceVendor.Nvidia && !device.IsSimulated)
        {
            var percent = Math.Clamp((lease.Allocation.Milli + 9) / 10, 1, 100);
            variables["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] = percent.ToString(CultureInfo.InvariantCulture);
            var mib = Math.Max(1, lease.MemoryQuotaBytes / (1024 * 1024));
            variables["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"] = "0=" + mib.ToString(CultureInfo.InvariantCulture) + "M";
        }

        return variables;
    }

    /// <summary>
    /// The device as the worker sees it: a real device narrowed by its vendor's visibility variable is
    /// ordinal 0 there.
    /// </summary>
    public static DeviceDescriptor DeviceInWorker(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return VendorLeaseSettings.WorkerEnvironment(device).Count > 0 ? device with { Ordinal = 0 } : device;
    }
}
