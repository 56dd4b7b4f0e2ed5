using System.Collections.Concurrent;

namespace GpuPool.Runtime.Diagnostics;

/// <summary>
/// What the engine has measured since it started, readable by the operator's API (the dashboard): busy time
/// per device, runs and compute-seconds per live lease and per tenant, refusals per tenant and reason. Fed by
/// <see cref="RuntimeMetrics"/> at the same points as the metrics; it decides nothing.
/// </summary>
internal sealed class UsageLedger
{
    private readonly ConcurrentDictionary<string, RunTally> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RunTally> _leases = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TenantTally> _tenants = new(StringComparer.Ordinal);

    /// <summary>Counts one finished run.</summary>
    public void Run(string? leaseId, string tenant, string deviceId, TimeSpan elapsed)
    {
        _devices.GetOrAdd(deviceId, static _ => new RunTally()).Add(elapsed);
        TenantOf(tenant).Runs.Add(elapsed);
        if (leaseId is not null)
        {
            _leases.GetOrAdd(leaseId, static _ => new RunTally()).Add(elapsed);
        }
    }

    /// <summary>The tallies a lease's runs on a device add to, for <see cref="RunRecorder"/> (the lease's is forgotten with it).</summary>
    public (RunTally Device, RunTally Tenant, RunTally Lease) TalliesOf(string leaseId, string tenant, string deviceId) =>
        (_devices.GetOrAdd(deviceId, static _ => new RunTally()), TenantOf(tenant).Runs, _leases.GetOrAdd(leaseId, static _ => new RunTally()));

    /// <summary>Counts one refused request (a lease or a run) of <paramref name="tenant"/>.</summary>
    public void Rejected(string tenant, string reason) => TenantOf(tenant).Reject(reason);

    /// <summary>Forgets an ended lease (its runs stay counted on its device and tenant).</summary>
    public void Forget(string leaseId) => _leases.TryRemove(leaseId, out _);

    /// <summary>Runs executed on a device and their measured time, since the engine started.</summary>
    public RunUsage Device(string deviceId) => _devices.TryGetValue(deviceId, out var tally) ? tally.Read() : RunUsage.None;

    /// <summary>Runs of a live lease and their measured time (its compute-seconds).</summary>
    public RunUsage Lease(string leaseId) => _leases.TryGetValue(leaseId, out var tally) ? tally.Read() : RunUsage.None;

    /// <summary>Every tenant that has run or been refused something, by name.</summary>
    public IReadOnlyDictionary<string, TenantUsage> Tenants() =>
        _tenants.ToDictionary(t => t.Key, t => t.Value.Read(), StringComparer.Ordinal);

    private TenantTally TenantOf(string tenant) => _tenants.GetOrAdd(tenant, static _ => new TenantTally());

    private sealed class TenantTally
    {
        private readonly ConcurrentDictionary<string, long> _rejections = new(StringComparer.Ordinal);

        public RunTally Runs { get; } = new();

        public void Reject(string reason) => _rejections.AddOrUpdate(reason, 1, static (_, n) => n + 1);

        public TenantUsage Read() => new(Runs.Read(), _rejections.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal));
    }
}
