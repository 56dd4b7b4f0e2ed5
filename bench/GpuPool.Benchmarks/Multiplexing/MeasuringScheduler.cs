using System.Collections.Concurrent;
using System.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;

namespace GpuPool.Benchmarks.Multiplexing;

/// <summary>
/// Wraps a scheduler and measures, with its own stopwatch, the execution time and runs of each lease's work,
/// so that the benchmark's figures do not come from the scheduler under test.
/// </summary>
internal sealed class MeasuringScheduler(IDeviceScheduler inner) : IDeviceScheduler
{
    private readonly ConcurrentDictionary<string, Counters> _byLease = new(StringComparer.Ordinal);

    public IDeviceScheduler Inner { get; } = inner;

    public ValueTask<T> RunAsync<T>(LeaseEntry lease, Func<RunContext, T> work, CancellationToken cancellationToken = default)
    {
        var counters = _byLease.GetOrAdd(lease.Id, static _ => new Counters());
        return Inner.RunAsync(
            lease,
            context =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    return work(context);
                }
                finally
                {
                    Interlocked.Add(ref counters.Ticks, Stopwatch.GetElapsedTime(started).Ticks);
                    Interlocked.Increment(ref counters.Runs);
                }
            },
            cancellationToken);
    }

    public int IntraOpThreadsFor(LeaseEntry lease) => Inner.IntraOpThreadsFor(lease);

    public TimeSpan Executed(LeaseEntry lease) =>
        _byLease.TryGetValue(lease.Id, out var c) ? TimeSpan.FromTicks(Interlocked.Read(ref c.Ticks)) : TimeSpan.Zero;

    public long Runs(LeaseEntry lease) =>
        _byLease.TryGetValue(lease.Id, out var c) ? Interlocked.Read(ref c.Runs) : 0;

    private sealed class Counters
    {
#pragma warning disable SA1401, CA1051 // Fields, for Interlocked.
        public long Ticks;
        public long Runs;
#pragma warning restore SA1401, CA1051
    }
}
