namespace GpuPool.Server.Bulk;

/// <summary>How many bulk runs this server answered and refused, and the request bytes they carried (tests and the benchmark read them).</summary>
internal sealed class BulkRunStatistics
{
    private long _runs;
    private long _refused;
    private long _bytes;

    /// <summary>Bulk runs that ran and whose reply was started.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Bulk runs answered with an error.</summary>
    public long RefusedRuns => Interlocked.Read(ref _refused);

    /// <summary>Request body bytes of the runs that ran.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public void Ran(long bytes)
    {
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _bytes, bytes);
    }

    public void Refused() => Interlocked.Increment(ref _refused);
}
