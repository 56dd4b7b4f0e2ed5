using System.Globalization;

namespace GpuPool.Benchmarks.Cluster;

/// <summary>The whole machine's busy and total CPU time so far (<c>/proc/stat</c>), in clock ticks; zero where it cannot be read.</summary>
internal static class MachineCpu
{
    public static (long Busy, long Total) Now()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Sum();
            return (total - fields[3] - fields[4], total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    /// <summary>The busy share of the machine between two readings, in percent.</summary>
    public static double BusyPercent((long Busy, long Total) from, (long Busy, long Total) to) =>
        to.Total > from.Total ? Math.Round(100.0 * (to.Busy - from.Busy) / (to.Total - from.Total), 1) : 0;
}
