using System.Diagnostics.Metrics;

namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>The telemetry's observable instruments.</summary>
internal sealed partial class NvidiaTelemetryService
{
    private void CreateInstruments(Meter meter)
    {
        meter.CreateObservableGauge(NvidiaInstruments.DeviceUtilization, () => Observe(s => s.GpuUtilizationPercent), "{percent}", "GPU utilisation reported by NVML");
        meter.CreateObservableGauge(NvidiaInstruments.DeviceMemoryPhysicalUsed, () => Observe(s => (long?)s.UsedMemoryBytes), "By", "Device memory in use, pool and others together");
        meter.CreateObservableGauge(NvidiaInstruments.DeviceMemoryExternal, () => Observe(s => (long?)s.ExternalMemoryBytes), "By", "Device memory used outside the pool and withheld from leases");
    }

    private IEnumerable<Measurement<T>> Observe<T>(Func<NvidiaDeviceTelemetry, T?> select)
        where T : struct
    {
        foreach (var sample in _latest.Values)
        {
            if (select(sample) is { } value)
            {
                yield return new Measurement<T>(value, new KeyValuePair<string, object?>("gpupool.device", sample.DeviceId));
            }
        }
    }
}
