using GpuPool.Cublas;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.GpuCheck;

/// <summary>
/// gpu-isolation: one lease alone measures the card's GEMM throughput (solo); then three leases with
/// shares 200/300/500 saturate it together through the pool's scheduler. Achieved shares are each
/// lease's fraction of the FLOPs done in the shared window.
/// </summary>
internal static class IsolationCheck
{
    private static readonly int[] Shares = [200, 300, 500];

    public static async Task<bool> RunAsync(IServiceProvider services, CheckSettings settings)
    {
        var pool = services.GetRequiredService<IGpuPool>();
        var spec = GemmSpec.Create(settings.Size, settings.Size, settings.Size, settings.DataType, settings.Iterations);

        var solo = await GemmLoad.StartAsync(pool, 1000, spec, settings.Depth, CancellationToken.None).ConfigureAwait(false);
        double soloTflops;
        try
        {
            var soloWindow = await GemmLoad.MeasureAsync([solo], TimeSpan.FromSeconds(settings.RampSeconds), TimeSpan.FromSeconds(settings.SoloSeconds)).ConfigureAwait(false);
            soloTflops = solo.CountedFlops / soloWindow.TotalSeconds / 1e12;
        }
        finally
        {
            await solo.Lease.DisposeAsync().ConfigureAwait(false);
        }

        var loads = new List<GemmLoad>();
        try
        {
            foreach (var share in Shares)
            {
                loads.Add(await GemmLoad.StartAsync(pool, share, spec, settings.Depth, CancellationToken.None).ConfigureAwait(false));
            }

            var window = await GemmLoad.MeasureAsync(loads, TimeSpan.FromSeconds(settings.RampSeconds), TimeSpan.FromSeconds(settings.Seconds)).ConfigureAwait(false);
            var total = loads.Sum(l => l.CountedFlops);
            var achieved = loads.Select(l => total > 0 ? l.CountedFlops / total * 1000 : 0).ToList();
            var maxError = Shares.Zip(achieved, (share, got) => Math.Abs(got - share) / 10).Max();
            var aggregate = total / window.TotalSeconds / 1e12;
            var wrong = loads.Sum(l => l.Wrong) + solo.Wrong;
            var met = maxError <= 3 && aggregate >= 0.95 * soloTflops && wrong == 0;
            JsonLine.Write(w =>
            {
                w.WriteString("bench", "gpu-isolation");
                w.WriteString("scheduler", CheckHost.SchedulerName(services));
                w.WriteString("dtype", settings.DataType.ToString().ToLowerInvariant());
                w.WriteNumber("size", settings.Size);
                w.WriteNumber("iterations_per_run", settings.Iterations);
                w.WriteNumber("depth", settings.Depth);
                w.WriteNumber("seconds", Math.Round(window.TotalSeconds, 2));
                w.WriteNumbers("shares", Shares.Select(s => (double)s), 0);
                w.WriteNumbers("achieved", achieved, 1);
                w.WriteNumber("max_abs_error_pp", Math.Round(maxError, 2));
                w.WriteNumber("aggregate_tflops", Math.Round(aggregate, 1));
                w.WriteNumber("solo_tflops", Math.Round(soloTflops, 1));
                w.WriteNumber("aggregate_vs_solo", soloTflops > 0 ? Math.Round(aggregate / soloTflops, 3) : 0);
                w.WriteNumbers("runs", loads.Select(l => (double)l.Counted), 0);
                w.WriteNumber("wrong_results", wrong);
                w.WriteBoolean("targets_met", met);
            });
            return met;
        }
        finally
        {
            foreach (var load in loads)
            {
                await load.Lease.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
