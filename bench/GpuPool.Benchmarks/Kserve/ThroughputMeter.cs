using System.Diagnostics;

namespace GpuPool.Benchmarks.Kserve;

/// <summary>Runs one call in a loop on a number of workers for a while and returns calls per second.</summary>
internal static class ThroughputMeter
{
    public static async Task<double> MeasureAsync(Func<CancellationToken, Task> call, int concurrency, double seconds, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 3; i++)
        {
            await call(cancellationToken);
        }

        long runs = 0;
        var clock = Stopwatch.StartNew();
        // Task.Run: an in-process run may complete synchronously, and workers must overlap.
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(
            async () =>
            {
                long mine = 0;
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    await call(cancellationToken);
                    mine++;
                }

                Interlocked.Add(ref runs, mine);
            },
            cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        return runs / clock.Elapsed.TotalSeconds;
    }
}
