namespace GpuPool.Cluster.Leasing;

/// <summary>
/// Group commit: one call to the database in flight at a time; items submitted meanwhile queue up and go
/// together in the next call, in the order they were submitted, each answered with its own result (or the
/// call's failure). An item submitted while nothing is in flight goes at once, alone.
/// </summary>
/// <typeparam name="TItem">What one caller asks.</typeparam>
/// <typeparam name="TResult">What that caller gets back.</typeparam>
internal sealed class GroupCommit<TItem, TResult>
{
    private readonly Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _commit;
    private readonly int _maxBatch;
    private readonly Lock _gate = new();
    private readonly Queue<(TItem Item, TaskCompletionSource<TResult> Done)> _queued = new();
    private bool _running;
    private long _calls;

    /// <param name="commit">Commits a batch; returns one result per item, in the items' order.</param>
    /// <param name="maxBatch">The most items one call carries.</param>
    public GroupCommit(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> commit, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _commit = commit;
        _maxBatch = maxBatch;
    }

    /// <summary>How many calls were made (items per call = items / calls).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>
    /// Queues the item for the next call. The caller cannot take it back once queued: the call may commit it
    /// whatever the caller does meanwhile, so the result is always delivered.
    /// </summary>
    public Task<TResult> SubmitAsync(TItem item)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _queued.Enqueue((item, done));
            if (_running)
            {
                return done.Task;
            }

            _running = true;
        }

        _ = Task.Run(DrainAsync);
        return done.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<(TItem Item, TaskCompletionSource<TResult> Done)> batch;
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _running = false;
                    return;
                }

                batch = new List<(TItem, TaskCompletionSource<TResult>)>(Math.Min(_queued.Count, _maxBatch));
                while (batch.Count < _maxBatch && _queued.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
            }

            Interlocked.Increment(ref _calls);
            try
            {
                var results = await _commit([.. batch.Select(b => b.Item)]).ConfigureAwait(false);
                if (results.Count != batch.Count)
                {
                    throw new InvalidOperationException($"A group commit answered {results.Count} results for {batch.Count} items.");
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
#pragma warning disable CA1031 // the failure belongs to the callers: each of them gets it
            catch (Exception ex)
#pragma warning restore CA1031
            {
                foreach (var (_, done) in batch)
                {
                    done.TrySetException(ex);
                }
            }
        }
    }
}
