using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Scheduling;

/// <summary>
/// A run admitted at once by <see cref="IDeviceScheduler.TryStartRun"/>: it holds a run slot from its start until the
/// caller passes it to <see cref="IDeviceScheduler.EndRun"/>, which measures it and charges its lease.
/// </summary>
/// <param name="Queue">The device's queue that admitted it.</param>
/// <param name="Admission">The slot and what was charged for it in advance.</param>
/// <param name="Started">When it started, on the scheduler's execution clock.</param>
internal readonly record struct StartedRun(DeviceQueue Queue, RunAdmission Admission, long Started)
{
    /// <summary>How the run should execute.</summary>
    public RunContext Context => Admission.Context;
}
