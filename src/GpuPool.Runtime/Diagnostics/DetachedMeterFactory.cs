using System.Diagnostics.Metrics;

namespace GpuPool.Runtime.Diagnostics;

/// <summary>Creates meters no host listens to by default (tests, tools that build engine parts by hand).</summary>
internal sealed class DetachedMeterFactory : IMeterFactory
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
