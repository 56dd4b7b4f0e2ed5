using Microsoft.Extensions.Options;

namespace GpuPool.Dashboard.Pools;

/// <summary>
/// Turns each device's measured busy time (a running total since its server started) into utilisation over the
/// last <see cref="DashboardOptions.BusyWindow"/>: busy seconds gained over wall seconds passed, per run slot.
/// </summary>
internal sealed class BusyMeter(IOptions<DashboardOptions> options)
{
    private readonly Dictionary<string, LinkedList<BusySample>> _samples = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Keeps this read's totals and returns each device's busy fraction (0–1) by device key; none before a second read.</summary>
    public IReadOnlyDictionary<string, double> Record(string pool, PoolUsage usage, DateTimeOffset now)
    {
        var window = options.Value.BusyWindow;
        var fractions = new Dictionary<string, double>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var (key, device) in usage.Devices)
            {
                var id = pool + "\n" + key;
                if (!_samples.TryGetValue(id, out var samples))
                {
                    samples = _samples[id] = new LinkedList<BusySample>();
                }

                if (samples.Last is { } last && device.BusySeconds < last.Value.BusySeconds)
                {
                    samples.Clear(); // the server restarted: its total starts again from zero
                }

                samples.AddLast(new BusySample(now, device.BusySeconds));
                // The baseline is the newest sample at least a window old (or the oldest one kept).
                while (samples.First!.Next is { } next && now - next.Value.At >= window)
                {
                    samples.RemoveFirst();
                }

                var baseline = samples.First.Value;
                var elapsed = (now - baseline.At).TotalSeconds;
                if (elapsed > 0)
                {
                    fractions[key] = Math.Clamp((device.BusySeconds - baseline.BusySeconds) / (elapsed * Math.Max(1, device.RunSlots)), 0, 1);
                }
            }
        }

        return fractions;
    }

    private readonly record struct BusySample(DateTimeOffset At, double BusySeconds);
}
