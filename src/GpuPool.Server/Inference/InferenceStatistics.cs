namespace GpuPool.Server.Inference;

/// <summary>Counters of one model version's requests, for ModelStatistics. Thread-safe.</summary>
internal sealed class InferenceStatistics
{
    private long _successCount;
    private long _successNs;
    private long _failCount;
    private long _failNs;
    private long _lastInferenceMs;

    public long SuccessCount => Interlocked.Read(ref _successCount);

    public long SuccessNs => Interlocked.Read(ref _successNs);

    public long FailCount => Interlocked.Read(ref _failCount);

    public long FailNs => Interlocked.Read(ref _failNs);

    /// <summary>Milliseconds since the Unix epoch of the last request that ran; 0 when none has.</summary>
    public long LastInferenceMs => Interlocked.Read(ref _lastInferenceMs);

    public void Succeeded(TimeSpan elapsed, DateTimeOffset now)
    {
        Interlocked.Increment(ref _successCount);
        Interlocked.Add(ref _successNs, (long)(elapsed.TotalMilliseconds * 1_000_000));
        Interlocked.Exchange(ref _lastInferenceMs, now.ToUnixTimeMilliseconds());
    }

    public void Failed(TimeSpan elapsed)
    {
        Interlocked.Increment(ref _failCount);
        Interlocked.Add(ref _failNs, (long)(elapsed.TotalMilliseconds * 1_000_000));
    }
}
