using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Tests.Leasing;

/// <summary>A lease-end observer that writes its name to a shared log, and can be made to throw.</summary>
internal sealed class RecordingLeaseEndObserver(LeaseEndStage stage, string name, List<string> log, bool throws = false) : ILeaseEndObserver
{
    public LeaseEndStage Stage { get; } = stage;

    public List<LeaseEntry> Ended { get; } = [];

    public void OnLeaseEnded(LeaseEntry lease)
    {
        lock (log)
        {
            log.Add(name);
        }

        Ended.Add(lease);
        if (throws)
        {
            throw new InvalidOperationException($"{name} fails on purpose.");
        }
    }
}
