namespace GpuPool.Cluster.Leasing;

/// <summary>Wakes every acquire waiting for capacity when the pool says some may have freed (a notification, a node joined).</summary>
internal sealed class CapacitySignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next signal.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Signal() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
