using System.Diagnostics;

namespace GpuPool.Benchmarks.Overhead;

/// <summary>One way of running a model in the overhead benchmark (plain session, lease, remote) and its per-run latencies.</summary>
internal sealed class OverheadSide(string name, Func<ValueTask> run)
{
    private readonly List<double> _latenciesUs = [];

    public string Name { get; } = name;

    /// <summary>Runs <paramref name="runs"/> times, recording each run's latency.</summary>
    public async Task MeasureAsync(int runs, bool record, CancellationToken cancellationToken)
    {
        for (var i = 0; i < runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await run();
            if (record)
            {
                _latenciesUs.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
        }
    }

    /// <summary>The median run, in microseconds.</summary>
    public double MedianUs => Infrastructure.Percentiles.Of(Infrastructure.Percentiles.Sorted(_latenciesUs), 50);
}
