using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// One request waiting in <see cref="LeaseWaitQueue"/>: completes with a lease, or gives up when its wait
/// timeout passes or its token fires (then <c>abandon</c> takes it out of the queue).
/// </summary>
internal sealed class LeaseWaiter(SliceRequest request, PlacementRequest placement, string tenant, long sequence, TimeProvider time, Action<LeaseWaiter, Exception> abandon)
{
    private readonly TaskCompletionSource<LeaseEntry> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private ITimer? _timeout;

    public SliceRequest Request { get; } = request;

    public PlacementRequest Placement { get; } = placement;

    public string Tenant { get; } = tenant;

    /// <summary>Arrival order among waiters of the same priority.</summary>
    public long Sequence { get; } = sequence;

    public long Enqueued { get; } = time.GetTimestamp();

    public Task<LeaseEntry> Task => _completion.Task;

    public void Arm(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (timeout is { } delay)
        {
            _timeout = time.CreateTimer(
                static state =>
                {
                    var self = (LeaseWaiter)state!;
                    self.Abandon(new LeaseTimeoutException($"No slice became free within {self.Request.WaitTimeout}.", TimeSpan.FromSeconds(1)));
                },
                this,
                delay,
                Timeout.InfiniteTimeSpan);
        }

        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(
                static (state, token) => ((LeaseWaiter)state!).Abandon(new OperationCanceledException(token)),
                this);
        }

        // A grant may have completed the waiter before the timer and registration existed.
        if (_completion.Task.IsCompleted)
        {
            Disarm();
        }
    }

    public TimeSpan Waited => time.GetElapsedTime(Enqueued);

    public void Complete(LeaseEntry entry)
    {
        _completion.TrySetResult(entry);
        Disarm();
    }

    public void Fail(Exception error)
    {
        if (error is OperationCanceledException cancelled)
        {
            _completion.TrySetCanceled(cancelled.CancellationToken);
        }
        else
        {
            _completion.TrySetException(error);
        }

        Disarm();
    }

    private void Abandon(Exception error) => abandon(this, error);

    private void Disarm()
    {
        _timeout?.Dispose();
        _cancellation.Unregister();
    }
}
