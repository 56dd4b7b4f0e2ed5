using System.Collections.Concurrent;

namespace GpuPool.Benchmarks.Soak;

/// <summary>What the clients did: every lease granted, latencies per operation, counts of expected rejections, and violations found.</summary>
internal sealed class SoakLedger
{
    private readonly ConcurrentQueue<double> _latencies = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private long _ops;
    private long _rejected;

    public ConcurrentQueue<SoakLease> Leases { get; } = new();

    public long Ops => Interlocked.Read(ref _ops);

    public long Rejected => Interlocked.Read(ref _rejected);

    public IReadOnlyCollection<string> Violations => _violations;

    public IEnumerable<double> Latencies => _latencies;

    public void Completed(double milliseconds)
    {
        Interlocked.Increment(ref _ops);
        _latencies.Enqueue(milliseconds);
    }

    public void RejectedAsExpected() => Interlocked.Increment(ref _rejected);

    public void Violation(string what)
    {
        if (_violations.Count < 1000)
        {
            _violations.Enqueue(what);
        }
    }
}
