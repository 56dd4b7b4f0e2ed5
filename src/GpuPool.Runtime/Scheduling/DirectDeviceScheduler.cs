using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Scheduling;

/// <summary>
/// Runs work at once on the calling thread, with the lease's share of the CPU threads. No fairness
/// between leases: the baseline the fair scheduler is measured against.
/// </summary>
internal sealed class DirectDeviceScheduler : IDeviceScheduler
{
    /// <inheritdoc />
    public ValueTask<T> RunAsync<T>(LeaseEntry lease, Func<RunContext, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(work);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(work(new RunContext(ThreadsFor(lease))));
    }

    /// <summary>The lease's share of the device's compute units as a thread count (at least one).</summary>
    public static int ThreadsFor(LeaseEntry lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var units = Math.Max(1, lease.Devices[0].ComputeUnits);
        return Math.Max(1, (int)Math.Round(units * lease.Allocation.Milli / (double)SliceRequest.FullDeviceMilli));
    }
}
