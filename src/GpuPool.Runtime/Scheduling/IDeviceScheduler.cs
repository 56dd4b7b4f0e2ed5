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

    /// <summary>
    /// Starts a run of <paramref name="lease"/> at once when it needs no waiting (a free slot, nobody queued, the
    /// scheduler's rules let the lease take it), for the caller to execute on its own thread and end with
    /// <see cref="EndRun"/> (always, also when the run fails); false when the run has to go through
    /// <see cref="RunAsync{T}"/>. Spares a run that finds its device idle the work item, the closure and the
    /// asynchronous path.
    /// </summary>
    bool TryStartRun(LeaseEntry lease, out StartedRun run)
    {
        run = default;
        return false;
    }

    /// <summary>Ends a run started by <see cref="TryStartRun"/>: frees its slot and charges its measured time to its lease, which it returns.</summary>
    TimeSpan EndRun(in StartedRun run) => throw new InvalidOperationException("This scheduler starts no run outside RunAsync.");

    /// <summary>CPU threads a model loaded for <paramref name="lease"/> should use per run.</summary>
    int IntraOpThreadsFor(LeaseEntry lease) => DirectDeviceScheduler.ThreadsFor(lease);
}
