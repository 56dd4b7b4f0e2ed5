using System.Diagnostics.Metrics;
using GpuPool.Diagnostics;
using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Diagnostics;

/// <summary>The runtime's instruments, created through <see cref="IMeterFactory"/>. Tagged by tenant, device and reason; never by lease id.</summary>
internal sealed class RuntimeMetrics
{
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _granted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _lost;
    private readonly Histogram<double> _wait;
    private readonly Histogram<double> _run;
    private readonly UpDownCounter<long> _models;
    private readonly UpDownCounter<long> _memoryUsed;
    private readonly UpDownCounter<long> _deviceMemory;
    private readonly UpDownCounter<long> _deviceCompute;
    private readonly UpDownCounter<long> _tenantMemory;
    private readonly UpDownCounter<long> _tenantCompute;
    private readonly Counter<double> _computeUsed;
    private readonly Counter<long> _runs;
    private readonly Counter<double> _busy;
    private readonly Histogram<double> _queue;
    private readonly Counter<long> _runRejected;

    /// <summary>Creates the instruments on the <c>GpuPool.Runtime</c> meter.</summary>
    public RuntimeMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(GpuPoolInstruments.RuntimeMeter);
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = GpuPoolInstruments.DurationBuckets };
        _active = meter.CreateUpDownCounter<long>(GpuPoolInstruments.LeaseActive, "{lease}", "Leases alive now");
        _granted = meter.CreateCounter<long>(GpuPoolInstruments.LeaseGranted, "{lease}", "Leases granted");
        _rejected = meter.CreateCounter<long>(GpuPoolInstruments.LeaseRejected, "{request}", "Lease requests rejected");
        _lost = meter.CreateCounter<long>(GpuPoolInstruments.LeaseLost, "{lease}", "Leases taken back by the pool");
        _wait = meter.CreateHistogram(GpuPoolInstruments.LeaseWaitDuration, "s", "Time a granted request waited for capacity", advice: seconds);
        _run = meter.CreateHistogram(GpuPoolInstruments.ModelRunDuration, "s", "Execution time of model runs", advice: seconds);
        _models = meter.CreateUpDownCounter<long>(GpuPoolInstruments.ModelLoaded, "{model}", "Models loaded");
        _memoryUsed = meter.CreateUpDownCounter<long>(GpuPoolInstruments.DeviceMemoryUsed, "By", "Device memory charged for models");
        _deviceMemory = meter.CreateUpDownCounter<long>(GpuPoolInstruments.DeviceMemoryAllocated, "By", "Device memory granted to leases");
        _deviceCompute = meter.CreateUpDownCounter<long>(GpuPoolInstruments.DeviceComputeAllocated, "{milli}", "Device compute granted to leases (1000 = the whole device)");
        _tenantMemory = meter.CreateUpDownCounter<long>(GpuPoolInstruments.TenantMemoryAllocated, "By", "Device memory granted to a tenant's leases");
        _tenantCompute = meter.CreateUpDownCounter<long>(GpuPoolInstruments.TenantComputeAllocated, "{milli}", "Device compute granted to a tenant's leases");
        _computeUsed = meter.CreateCounter<double>(GpuPoolInstruments.TenantComputeUsed, "s", "Measured execution time of a tenant's model runs (compute-seconds)");
        _runs = meter.CreateCounter<long>(GpuPoolInstruments.ModelRuns, "{run}", "Model runs executed");
        _busy = meter.CreateCounter<double>(GpuPoolInstruments.DeviceBusyTime, "s", "Time a device spent executing runs");
        _queue = meter.CreateHistogram(GpuPoolInstruments.RunQueueDuration, "s", "Time a model run waited for its device's scheduler", advice: seconds);
        _runRejected = meter.CreateCounter<long>(GpuPoolInstruments.RunRejected, "{run}", "Model runs refused by a device's scheduler");
    }

    /// <summary>What the engine has measured so far, for the operator's API (fed at the same points as the instruments).</summary>
    internal UsageLedger Usage { get; } = new();

    /// <summary>A metrics instance that records nothing anyone listens to (tests, tools).</summary>
    public static RuntimeMetrics CreateDetached() => new(new DetachedMeterFactory());

    internal void Granted(LeaseEntry lease, TimeSpan waited)
    {
        var tenant = Tenant(lease.Tenant);
        var device = Device(lease.Devices[0].Id);
        _granted.Add(1, tenant, device);
        _active.Add(1, tenant, device);
        _wait.Record(waited.TotalSeconds, tenant);
        Allocated(lease, 1);
    }

    internal void Ended(LeaseEntry lease)
    {
        var tenant = Tenant(lease.Tenant);
        _active.Add(-1, tenant, Device(lease.Devices[0].Id));
        if (lease.LostReason != LeaseLostReason.Released)
        {
            _lost.Add(1, tenant, Reason(lease.LostReason.ToString()));
        }

        Allocated(lease, -1);
        Usage.Forget(lease.Id);
    }

    internal void Rejected(string tenant, string reason)
    {
        _rejected.Add(1, Tenant(tenant), Reason(reason));
        Usage.Rejected(tenant, reason);
    }

    internal void ModelRun(string tenant, string deviceId, TimeSpan elapsed, string? leaseId = null)
    {
        Usage.Run(leaseId, tenant, deviceId, elapsed);
        RecordRun(elapsed.TotalSeconds, Tenant(tenant), Device(deviceId));
    }

    /// <summary>Where the runs of <paramref name="lease"/> are counted (one per loaded model, so a run looks nothing up).</summary>
    internal RunRecorder RecorderFor(LeaseEntry lease)
    {
        var deviceId = lease.Devices[0].Id;
        var (device, tenant, leaseTally) = Usage.TalliesOf(lease.Id, lease.Tenant, deviceId);
        return new RunRecorder(device, tenant, leaseTally, Tenant(lease.Tenant), Device(deviceId));
    }

    /// <summary>Counts one finished run of the recorder's lease, as <see cref="ModelRun(string, string, TimeSpan, string?)"/> does.</summary>
    internal void ModelRun(RunRecorder recorder, TimeSpan elapsed)
    {
        recorder.Count(elapsed);
        RecordRun(elapsed.TotalSeconds, recorder.TenantTag, recorder.DeviceTag);
    }

    internal void RunQueued(string tenant, string deviceId, TimeSpan waited) => _queue.Record(waited.TotalSeconds, Tenant(tenant), Device(deviceId));

    internal void RunRejected(string tenant, string deviceId, string reason)
    {
        _runRejected.Add(1, Tenant(tenant), Device(deviceId), Reason(reason));
        Usage.Rejected(tenant, "run_" + reason);
    }

    /// <summary>A loaded model's charge grew by the working memory of a larger run.</summary>
    internal void ModelGrew(string tenant, long bytes) => _memoryUsed.Add(bytes, Tenant(tenant));

    internal void ModelLoaded(string tenant, long bytes, int delta)
    {
        _models.Add(delta, Tenant(tenant));
        _memoryUsed.Add(bytes * delta, Tenant(tenant));
    }

    private void Allocated(LeaseEntry lease, int sign)
    {
        var allocation = lease.Allocation;
        foreach (var descriptor in allocation.Descriptors)
        {
            _deviceMemory.Add(sign * allocation.MemoryBytes, Device(descriptor.Id));
            _deviceCompute.Add(sign * allocation.Milli, Device(descriptor.Id));
        }

        _tenantMemory.Add(sign * allocation.MemoryBytes * allocation.Descriptors.Count, Tenant(lease.Tenant));
        _tenantCompute.Add(sign * (long)allocation.Milli * allocation.Descriptors.Count, Tenant(lease.Tenant));
    }

    private void RecordRun(double seconds, KeyValuePair<string, object?> tenant, KeyValuePair<string, object?> device)
    {
        _run.Record(seconds, tenant, device);
        _runs.Add(1, tenant, device);
        _computeUsed.Add(seconds, tenant);
        _busy.Add(seconds, device);
    }

    private static KeyValuePair<string, object?> Tenant(string tenant) => new(GpuPoolInstruments.TenantTag, tenant);

    private static KeyValuePair<string, object?> Device(string deviceId) => new(GpuPoolInstruments.DeviceTag, deviceId);

    private static KeyValuePair<string, object?> Reason(string reason) => new(GpuPoolInstruments.ReasonTag, reason);
}
