using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Scheduling;

/// <summary>
/// Every model run on a device goes through its scheduler, which decides when it runs, with how many
/// threads and on which stream, and measures how long it took (the basis of compute shares).
/// </summary>
internal interface IDeviceScheduler
{
    /// <summary>Runs <paramref name="work"/> for <paramref name="lease"/> when the scheduler admits it.</summary>
    /// <exception cref="CapacityExceededException">The lease's queue is full; carries a retry-after.</exception>
    ValueTask<T> RunAsync<T>(LeaseEntry lease, Func<Models.RunContext, T> work, CancellationToken cancellationToken = default);

    /// <summary>CPU threads a model loaded for <paramref name="lease"/> should use per run.</summary>
    int IntraOpThreadsFor(LeaseEntry lease) => DirectDeviceScheduler.ThreadsFor(lease);
}
