namespace GpuPool.Runtime.Scheduling;

/// <summary>A run waiting for a slot on its device.</summary>
internal sealed class PendingRun(LeaseFlow flow, long sequence)
{
    public LeaseFlow Flow { get; } = flow;

    /// <summary>Arrival order on the device; breaks ties so that decisions are deterministic.</summary>
    public long Sequence { get; } = sequence;

    public TaskCompletionSource<RunAdmission> Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The caller's cancellation, while it waits.</summary>
    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>The loss of its lease, while it waits.</summary>
    public CancellationTokenRegistration LostRegistration { get; set; }
}
