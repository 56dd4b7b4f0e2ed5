using System.Diagnostics;
using GpuPool.Cublas;

namespace GpuPool.GpuCheck;

/// <summary>One lease kept backlogged with GEMM runs (one loop per loaded model); counts runs completed while measuring.</summary>
internal sealed class GemmLoad(GpuLease lease, IReadOnlyList<PooledModel> models, GemmSpec spec)
{
    private static readonly Dictionary<string, TensorValue> NoInputs = [];
    private long _counted;
    private long _total;
    private long _wrong;

    public GpuLease Lease => lease;

    public GemmSpec Spec => spec;

    public long Counted => Interlocked.Read(ref _counted);

    public long Total => Interlocked.Read(ref _total);

    public long Wrong => Interlocked.Read(ref _wrong);

    public double CountedFlops => Counted * spec.FlopsPerRun;

    public static async Task<GemmLoad> StartAsync(IGpuPool pool, int computeMilli, GemmSpec spec, int depth, CancellationToken cancellationToken)
    {
        var lease = await pool.LeaseAsync(
            new SliceRequest { MemoryBytes = (spec.DeviceMemoryBytes * depth) + ByteSize.MiB(64), ComputeMilli = computeMilli, TimeToLive = TimeSpan.FromMinutes(10) },
            cancellationToken).ConfigureAwait(false);
        var models = new List<PooledModel>();
        for (var i = 0; i < depth; i++)
        {
            var model = await lease.LoadModelAsync(ModelSource.FromBytes(spec.ToBytes(), $"gemm-{computeMilli}-{i}"), new ModelOptions { Format = ModelFormat.CublasGemm }, cancellationToken).ConfigureAwait(false);
            await model.RunAsync(NoInputs, cancellationToken).ConfigureAwait(false);
            models.Add(model);
        }

        return new GemmLoad(lease, models, spec);
    }

    /// <summary>Runs until <paramref name="stop"/>; a run counts when it completes while <paramref name="measuring"/> says so.</summary>
    public Task RunAsync(Func<bool> measuring, CancellationToken stop) =>
        Task.WhenAll(models.Select(model => Task.Run(() => LoopAsync(model, measuring, stop), CancellationToken.None)));

    private async Task LoopAsync(PooledModel model, Func<bool> measuring, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            // A run the scheduler admits at once completes synchronously; without a yield, one lease's
            // loops could hold every thread-pool thread and starve the other leases' loops.
            await Task.Yield();
            IReadOnlyDictionary<string, TensorValue> outputs;
            try
            {
                outputs = await model.RunAsync(NoInputs, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            Interlocked.Increment(ref _total);
            if (outputs["c"].AsSpan<float>()[0] != spec.K)
            {
                Interlocked.Increment(ref _wrong);
            }

            if (measuring())
            {
                Interlocked.Increment(ref _counted);
            }
        }
    }

    /// <summary>Runs <paramref name="loads"/> together: a ramp, then a measured window; returns the window's length.</summary>
    public static async Task<TimeSpan> MeasureAsync(IReadOnlyList<GemmLoad> loads, TimeSpan ramp, TimeSpan window)
    {
        using var stop = new CancellationTokenSource();
        var measuring = false;
        var running = loads.Select(l => l.RunAsync(() => Volatile.Read(ref measuring), stop.Token)).ToList();
        await Task.Delay(ramp).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        Volatile.Write(ref measuring, true);
        await Task.Delay(window).ConfigureAwait(false);
        Volatile.Write(ref measuring, false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);
        return elapsed;
    }
}
