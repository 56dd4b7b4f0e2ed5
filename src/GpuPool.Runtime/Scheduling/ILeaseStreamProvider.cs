using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Scheduling;

/// <summary>
/// Gives each lease its own native stream on a device (a CUDA stream per lease on NVIDIA), so that runs
/// of different leases proceed concurrently. Registered by the vendor integration; without one, runs
/// use the default stream (<see cref="Models.RunContext.Stream"/> = 0).
/// </summary>
internal interface ILeaseStreamProvider
{
    /// <summary>The lease's stream on its device, or 0 for the default stream.</summary>
    nint StreamFor(LeaseEntry lease);
}
