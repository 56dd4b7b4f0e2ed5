using System.Diagnostics;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Scheduling;

namespace GpuPool.Runtime.Models;

/// <summary>
/// Dynamic batching for one lease's model: requests that arrive within <see cref="BatchingOptions.MaxQueueDelay"/>
/// of the first waiting one (up to <see cref="BatchingOptions.MaxBatchSize"/> rows, with the same non-batch
/// dimensions) run as one scheduled run; each caller gets exactly its rows of every output back.
/// </summary>
/// <remarks>
/// While requests wait, one collector task exists: it waits for the delay (or a full batch), takes a batch,
/// starts the next collector if requests remain, and runs the batch through the device scheduler under the
/// lease, so the batch is charged to the lease like any run. A caller that cancels stops waiting; its rows
/// may still run with the batch.
/// </remarks>
/// <param name="run">Runs the model on the device (<see cref="LoadedModel.RunOnDevice"/>: larger runs are measured and charged).</param>
/// <param name="lease">The lease whose runs it batches.</param>
/// <param name="scheduler">The scheduler every run goes through.</param>
/// <param name="options">Batch size and delay.</param>
/// <param name="time">The clock of the delay.</param>
internal sealed class ModelBatcher(Func<IReadOnlyDictionary<string, TensorValue>, RunContext, IReadOnlyDictionary<string, TensorValue>> run, LeaseEntry lease, IDeviceScheduler scheduler, BatchingOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();

    /// <summary>Where each executed batch is counted (one run, its measured time), as unbatched runs are.</summary>
    internal RuntimeMetrics? Metrics { get; init; }
    private readonly List<BatchRequest> _pending = [];
    private TaskCompletionSource _full = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _pendingRows;
    private bool _collecting;

    /// <summary>Runs <paramref name="inputs"/> as part of a batch, or alone when they cannot be batched.</summary>
    public async ValueTask<IReadOnlyDictionary<string, TensorValue>> RunAsync(IReadOnlyDictionary<string, TensorValue> inputs, CancellationToken cancellationToken)
    {
        if (BatchTensors.Describe(inputs) is not { } described || described.Rows >= options.MaxBatchSize || described.Rows == 0)
        {
            return await scheduler.RunAsync(lease, context => Measured(inputs, context), cancellationToken).ConfigureAwait(false);
        }

        var request = new BatchRequest(inputs, described.Rows, described.Signature);
        lock (_lock)
        {
            _pending.Add(request);
            _pendingRows += request.Rows;
            if (_pendingRows >= options.MaxBatchSize)
            {
                _full.TrySetResult();
            }

            if (!_collecting)
            {
                _collecting = true;
                _ = CollectAsync(_full);
            }
        }

        return await request.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CollectAsync(TaskCompletionSource full)
    {
        if (options.MaxQueueDelay > TimeSpan.Zero)
        {
            await Task.WhenAny(Task.Delay(options.MaxQueueDelay, time), full.Task).ConfigureAwait(false);
        }

        List<BatchRequest> batch;
        lock (_lock)
        {
            batch = Take();
            _full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_pending.Count > 0)
            {
                if (_pendingRows >= options.MaxBatchSize)
                {
                    _full.TrySetResult();
                }

                _ = CollectAsync(_full);
            }
            else
            {
                _collecting = false;
            }
        }

        try
        {
            var outputs = await scheduler.RunAsync(lease, context => Measured(BatchTensors.Combine(batch), context), lease.LostToken).ConfigureAwait(false);
            var split = BatchTensors.Split(outputs, batch);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(split[i]);
            }
        }
#pragma warning disable CA1031 // Every failure of the combined run belongs to each caller in it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var request in batch)
            {
                request.Completion.TrySetException(ex);
            }
        }
    }

    /// <summary>The oldest request and the later ones that fit with it (called under the lock).</summary>
    private List<BatchRequest> Take()
    {
        var batch = new List<BatchRequest>();
        var signature = _pending[0].Signature;
        long rows = 0;
        for (var i = 0; i < _pending.Count;)
        {
            var request = _pending[i];
            if (request.Signature == signature && rows + request.Rows <= options.MaxBatchSize)
            {
                batch.Add(request);
                rows += request.Rows;
                _pending.RemoveAt(i);
                _pendingRows -= request.Rows;
            }
            else
            {
                i++;
            }
        }

        return batch;
    }

    private IReadOnlyDictionary<string, TensorValue> Measured(IReadOnlyDictionary<string, TensorValue> inputs, RunContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var outputs = run(inputs, context);
        Metrics?.ModelRun(lease.Tenant, lease.Devices[0].Id, Stopwatch.GetElapsedTime(started), lease.Id);
        return outputs;
    }
}
