using System.Diagnostics;
using System.Globalization;

namespace GpuPool.TorchSharp;

/// <summary>
/// The environment of a worker process that hosts TorchSharp for one lease: it sees only the leased GPU, and
/// libtorch's CUDA caching allocator caps the process at the lease's memory.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>CUDA_VISIBLE_DEVICES</c> = the GPU's UUID (or ordinal): enforced by the CUDA driver; inside the worker
/// the leased GPU is <c>cuda:0</c>.</item>
/// <item><c>PYTORCH_CUDA_ALLOC_CONF</c> gains <c>per_process_memory_fraction:F</c>, F = lease memory / device memory
/// (rounded down): libtorch (2.9 and later) applies it to every device at start-up, and an allocation that would take the
/// caching allocator past it fails with an out-of-memory error (in that worker only). Not covered: the CUDA context itself
/// (a few hundred MiB per process) and memory that libraries allocate with <c>cudaMalloc</c> directly.</item>
/// <item><c>OMP_NUM_THREADS</c> / <c>MKL_NUM_THREADS</c> = the share's CPU threads: libtorch's default intra-op
/// thread count; advisory (code may raise it with <c>torch.set_num_threads</c>).</item>
/// </list>
/// </remarks>
public static class TorchWorkerEnvironment
{
    /// <summary>The allocator configuration variable libtorch reads at start-up.</summary>
    public const string AllocatorConfigVariable = "PYTORCH_CUDA_ALLOC_CONF";

    /// <summary>The allocator setting that caps the process's share of each device's memory.</summary>
    public const string MemoryFractionKey = "per_process_memory_fraction";

    /// <summary>The variables for a worker serving a slice of <paramref name="memoryBytes"/> and <paramref name="computeMilli"/> on <paramref name="device"/>.</summary>
    /// <param name="device">The leased device.</param>
    /// <param name="memoryBytes">The lease's memory, in bytes.</param>
    /// <param name="computeMilli">The lease's compute share.</param>
    /// <param name="existingAllocatorConfig">An allocator configuration to keep (its other settings are kept; a memory fraction in it is replaced).</param>
    /// <param name="physicalMemoryBytes">
    /// The memory CUDA reports for the device, which libtorch's fraction is relative to; defaults to the device's
    /// <see cref="DeviceDescriptor.TotalMemoryBytes"/>. Pass it where the pool offers less than the whole device, or the cap
    /// would be looser than the lease.
    /// </param>
    public static IReadOnlyDictionary<string, string> For(DeviceDescriptor device, long memoryBytes, int computeMilli, string? existingAllocatorConfig = null, long? physicalMemoryBytes = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryBytes);
        var threads = TorchDevices.ThreadsFor(device, computeMilli).ToString(CultureInfo.InvariantCulture);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OMP_NUM_THREADS"] = threads,
            ["MKL_NUM_THREADS"] = threads,
        };
        if (TorchDevices.IsCuda(device))
        {
            variables["CUDA_VISIBLE_DEVICES"] = device.Uuid ?? device.Ordinal.ToString(CultureInfo.InvariantCulture);
            variables[AllocatorConfigVariable] = AllocatorConfig(MemoryFraction(memoryBytes, physicalMemoryBytes ?? device.TotalMemoryBytes), existingAllocatorConfig);
        }

        return variables;
    }

    /// <summary>Sets the lease's variables on a worker's start info (keeping other allocator settings already there).</summary>
    public static void Apply(ProcessStartInfo startInfo, GpuLease lease)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        ArgumentNullException.ThrowIfNull(lease);
        startInfo.Environment.TryGetValue(AllocatorConfigVariable, out var existing);
        foreach (var (name, value) in For(lease.Device, lease.MemoryBytes, lease.ComputeMilli, existing))
        {
            startInfo.Environment[name] = value;
        }
    }

    /// <summary>The fraction of the device's memory the lease may use, rounded down to 1e-6 so the cap never exceeds the lease.</summary>
    public static double MemoryFraction(long memoryBytes, long deviceMemoryBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(deviceMemoryBytes);
        var fraction = Math.Floor(memoryBytes / (double)deviceMemoryBytes * 1_000_000) / 1_000_000;
        return Math.Clamp(fraction, 0.000001, 1.0);
    }

    private static string AllocatorConfig(double fraction, string? existing)
    {
        var settings = (existing ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => !s.StartsWith(MemoryFractionKey + ":", StringComparison.Ordinal))
            .ToList();
        settings.Add(MemoryFractionKey + ":" + fraction.ToString("0.######", CultureInfo.InvariantCulture));
        return string.Join(',', settings);
    }
}
