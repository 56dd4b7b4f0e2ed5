using System.Globalization;

namespace GpuPool.Cli.Running;

/// <summary>
/// The environment <c>run</c> gives its program: which devices it may see (<c>CUDA_VISIBLE_DEVICES</c> by UUID; empty
/// when the lease has no NVIDIA device, so no GPU is visible), the lease's size, CUDA MPS limits where MPS runs, and a
/// PyTorch allocator hint. Only the MPS limits are enforced (by the MPS server); the rest tell the program its share.
/// </summary>
internal static class LeaseEnvironment
{
    public const string LeaseId = "GPUPOOL_LEASE_ID";
    public const string MemoryBytes = "GPUPOOL_MEMORY_BYTES";
    public const string ComputeMilli = "GPUPOOL_COMPUTE_MILLI";
    public const string Server = "GPUPOOL_SERVER";
    public const string Devices = "GPUPOOL_DEVICES";
    public const string MemoryFraction = "GPUPOOL_MEMORY_FRACTION";
    public const string CudaVisibleDevices = "CUDA_VISIBLE_DEVICES";
    public const string MpsMemoryLimit = "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT";
    public const string MpsThreadPercentage = "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE";
    public const string PyTorchAllocator = "PYTORCH_CUDA_ALLOC_CONF";

    /// <summary>The variables to set on top of gpupool's own environment.</summary>
    public static Dictionary<string, string> For(GpuLease lease, string server, MpsMode mps, Func<string, string?> current, Func<string, bool> directoryExists)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var inv = CultureInfo.InvariantCulture;
        var gpus = lease.Devices.Where(d => d.Vendor == DeviceVendor.Nvidia && !string.IsNullOrEmpty(d.Uuid)).ToList();
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [LeaseId] = lease.Id,
            [MemoryBytes] = lease.MemoryBytes.ToString(inv),
            [ComputeMilli] = lease.ComputeMilli.ToString(inv),
            [Server] = server,
            [Devices] = string.Join(',', lease.Devices.Select(d => d.Id)),
            [CudaVisibleDevices] = string.Join(',', gpus.Select(d => d.Uuid)),
        };
        if (gpus.Count == 0)
        {
            return variables;
        }

        var total = gpus.Min(d => d.TotalMemoryBytes);
        variables[MemoryFraction] = total > 0 ? Math.Min(1.0, (double)lease.MemoryBytes / total).ToString("0.####", inv) : "1";
        if (current(PyTorchAllocator) is null)
        {
            // A hint: PyTorch frees cached blocks before it grows past the fraction the program sets from GPUPOOL_MEMORY_FRACTION.
            variables[PyTorchAllocator] = "expandable_segments:True,garbage_collection_threshold:0.8";
        }

        var mpsRuns = mps == MpsMode.On || (mps == MpsMode.Auto && (current("CUDA_MPS_PIPE_DIRECTORY") is not null || directoryExists("/tmp/nvidia-mps")));
        if (mpsRuns)
        {
            // Ordinals as the program sees them: CUDA_VISIBLE_DEVICES renumbers the leased devices from 0.
            var megabytes = Math.Max(1, lease.MemoryBytes / (1024 * 1024));
            variables[MpsMemoryLimit] = string.Join(',', gpus.Select((_, i) => string.Create(inv, $"{i}={megabytes}M")));
            variables[MpsThreadPercentage] = Math.Clamp((lease.ComputeMilli + 9) / 10, 1, 100).ToString(inv);
        }

        return variables;
    }
}
