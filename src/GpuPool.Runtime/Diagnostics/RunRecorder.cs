namespace GpuPool.Runtime.Diagnostics;

/// <summary>
/// Where the runs of one lease on one device are counted (<see cref="RuntimeMetrics.ModelRun(RunRecorder, TimeSpan)"/>):
/// its tallies in the <see cref="UsageLedger"/> and its metric tags, looked up once per loaded model rather than per run.
/// </summary>
internal sealed class RunRecorder(RunTally device, RunTally tenant, RunTally lease, KeyValuePair<string, object?> tenantTag, KeyValuePair<string, object?> deviceTag)
{
    public KeyValuePair<string, object?> TenantTag { get; } = tenantTag;

    public KeyValuePair<string, object?> DeviceTag { get; } = deviceTag;

    /// <summary>Counts one finished run in the ledger.</summary>
    public void Count(TimeSpan elapsed)
    {
        device.Add(elapsed);
        tenant.Add(elapsed);
        lease.Add(elapsed);
    }
}
