using System.Diagnostics.Metrics;
using GpuPool.Diagnostics;

namespace GpuPool.Runtime.Diagnostics;

/// <summary>The runtime's instruments, created through <see cref="IMeterFactory"/>. No lease ids as tags.</summary>
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

    /// <summary>Creates the instruments on the <c>GpuPool.Runtime</c> meter.</summary>
    public RuntimeMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(GpuPoolInstruments.RuntimeMeter);
        _active = meter.CreateUpDownCounter<long>(GpuPoolInstruments.LeaseActive, "{lease}", "Leases alive now");
        _granted = meter.CreateCounter<long>(GpuPoolInstruments.LeaseGranted, "{lease}", "Leases granted");
        _rejected = meter.CreateCounter<long>(GpuPoolInstruments.LeaseRejected, "{request}", "Lease requests rejected");
        _lost = meter.CreateCounter<long>(GpuPoolInstruments.LeaseLost, "{lease}", "Leases taken back by the pool");
        _wait = meter.CreateHistogram<double>(GpuPoolInstruments.LeaseWaitDuration, "s", "Time a granted request waited for capacity");
        _run = meter.CreateHistogram<double>(GpuPoolInstruments.ModelRunDuration, "s", "Execution time of model runs");
        _models = meter.CreateUpDownCounter<long>(GpuPoolInstruments.ModelLoaded, "{model}", "Models loaded");
        _memoryUsed = meter.CreateUpDownCounter<long>(GpuPoolInstruments.DeviceMemoryUsed, "By", "Device memory charged for models");
    }

    /// <summary>A metrics instance that records nothing anyone listens to (tests, tools).</summary>
    public static RuntimeMetrics CreateDetached() => new(new DetachedMeterFactory());

    internal void Granted(string tenant, string deviceId, TimeSpan waited)
    {
        var tags = new KeyValuePair<string, object?>("gpupool.tenant", tenant);
        var device = new KeyValuePair<string, object?>("gpupool.device", deviceId);
        _granted.Add(1, tags, device);
        _active.Add(1, tags, device);
        _wait.Record(waited.TotalSeconds, tags);
    }

    internal void Ended(string tenant, string deviceId, LeaseLostReason reason)
    {
        _active.Add(-1, new KeyValuePair<string, object?>("gpupool.tenant", tenant), new KeyValuePair<string, object?>("gpupool.device", deviceId));
        if (reason != LeaseLostReason.Released)
        {
            _lost.Add(1, new KeyValuePair<string, object?>("gpupool.tenant", tenant), new KeyValuePair<string, object?>("gpupool.reason", reason.ToString()));
        }
    }

    internal void Rejected(string tenant, string reason) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("gpupool.tenant", tenant), new KeyValuePair<string, object?>("gpupool.reason", reason));

    internal void ModelRun(string tenant, string deviceId, TimeSpan elapsed) =>
        _run.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("gpupool.tenant", tenant), new KeyValuePair<string, object?>("gpupool.device", deviceId));

    internal void ModelLoaded(string tenant, long bytes, int delta)
    {
        _models.Add(delta, new KeyValuePair<string, object?>("gpupool.tenant", tenant));
        _memoryUsed.Add(bytes * delta, new KeyValuePair<string, object?>("gpupool.tenant", tenant));
    }

    private sealed class DetachedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
