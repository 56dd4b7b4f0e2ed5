namespace GpuPool.Runtime.Diagnostics;

/// <summary>A count of runs and their total measured time, added to by concurrent runs without a lock.</summary>
internal sealed class RunTally
{
    private long _runs;
    private long _ticks;

    public void Add(TimeSpan elapsed)
    {
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _ticks, elapsed.Ticks);
    }

    /// <summary>The figures now (a run ending meanwhile may show in one figure before the other).</summary>
    public RunUsage Read() => new(Volatile.Read(ref _runs), TimeSpan.FromTicks(Volatile.Read(ref _ticks)));
}
