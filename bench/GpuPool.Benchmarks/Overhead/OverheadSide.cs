using System.Diagnostics;

namespace GpuPool.Benchmarks.Overhead;

/// <summary>One way of running a model in the overhead benchmark (plain session, lease, remote) and its per-run latencies.</summary>
internal sealed class OverheadSide(string name, Func<ValueTask> run)
{
    private readonly List<double> _latenciesUs = [];
    private readonly List<double> _roundMediansUs = [];

    public string Name { get; } = name;

    /// <summary>Runs <paramref name="runs"/> times; when <paramref name="record"/>, a round: each run's latency and the round's median.</summary>
    public async Task MeasureAsync(int runs, bool record, CancellationToken cancellationToken)
    {
        var first = _latenciesUs.Count;
        for (var i = 0; i < runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await run();
            if (record)
            {
                // From the timestamps (nanoseconds here), not a TimeSpan (100 ns ticks): tiny runs differ by less than a tick.
                _latenciesUs.Add((Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency);
            }
        }

        if (record)
        {
            _roundMediansUs.Add(Infrastructure.Percentiles.Of(Infrastructure.Percentiles.Sorted(_latenciesUs.Skip(first)), 50));
        }
    }

    /// <summary>
    /// The median over rounds of <paramref name="combine"/>(this side's round median, <paramref name="other"/>'s):
    /// sides measured back to back in a round see the same foreign load, and a burst of it spoils one round, not the figure.
    /// </summary>
    public double PairedMedian(OverheadSide other, Func<double, double, double> combine) =>
        Infrastructure.Percentiles.Of(Infrastructure.Percentiles.Sorted(_roundMediansUs.Select((us, i) => combine(us, other._roundMediansUs[i]))), 50);

    /// <summary>The median run, in microseconds.</summary>
    public double MedianUs => Infrastructure.Percentiles.Of(Infrastructure.Percentiles.Sorted(_latenciesUs), 50);
}
