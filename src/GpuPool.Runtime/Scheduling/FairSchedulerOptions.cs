using System.ComponentModel.DataAnnotations;

namespace GpuPool.Runtime.Scheduling;

/// <summary>Settings of the <see cref="FairDeviceScheduler"/>.</summary>
public sealed class FairSchedulerOptions
{
    /// <summary>
    /// Runs that may execute at once on one CPU device; <see langword="null"/> picks
    /// <c>max(2, cores / 2)</c>. ONNX models share one process-wide thread pool, so busy runs divide the cores
    /// among themselves (a lone run uses them all); <see cref="Models.RunContext.IntraOpThreads"/> is the cores
    /// divided among these slots, for backends that size their threads per run.
    /// </summary>
    [Range(1, 1024)]
    public int? CpuConcurrentRuns { get; set; }

    /// <summary>Runs that may execute at once on one GPU (one CUDA stream per lease); default 4.</summary>
    [Range(1, 1024)]
    public int GpuConcurrentRuns { get; set; } = 4;

    /// <summary>Runs one lease may have waiting on a device; more are rejected with a retry-after.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedPerLease { get; set; } = 256;

    /// <summary>Runs all leases together may have waiting on one device.</summary>
    [Range(1, 10_000_000)]
    public int MaxQueuedPerDevice { get; set; } = 4096;

    /// <summary>
    /// How much unused share a lease may save up (and how much borrowed time it may owe), as device
    /// time at its share. Small values follow shares closely; large values tolerate bursts.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan BurstWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// While a High-priority lease has run on a device within this window, other leases may occupy at
    /// most all run slots but one, so a High-priority run never queues behind a full device.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan HighPriorityReserveWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The run slots of a device under these settings.</summary>
    public int ConcurrentRunsFor(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Kind == DeviceKind.Cpu
            ? CpuConcurrentRuns ?? Math.Max(2, Math.Max(1, device.ComputeUnits) / 2)
            : GpuConcurrentRuns;
    }
}
