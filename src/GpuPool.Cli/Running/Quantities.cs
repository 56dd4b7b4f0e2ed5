using System.Globalization;

namespace GpuPool.Cli.Running;

/// <summary>Parses the quantities people type: byte sizes (<c>4GiB</c>, <c>512MiB</c>, <c>2G</c>, <c>1.5GB</c>) and durations (<c>30s</c>, <c>5m</c>, <c>1h</c>, <c>00:01:00</c>).</summary>
internal static class Quantities
{
    private static readonly (string Suffix, double Factor)[] ByteUnits =
    [
        ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10),
        ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3),
        ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1),
    ];

    private static readonly (string Suffix, double Seconds)[] TimeUnits = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    /// <summary>Bytes in <paramref name="text"/>; a bare number is bytes. K/M/G/T and KiB/MiB/GiB/TiB are binary, KB/MB/GB/TB decimal.</summary>
    public static long ParseBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        foreach (var (suffix, factor) in ByteUnits)
        {
            if (value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && Number(value[..^suffix.Length]) is { } number)
            {
                return checked((long)Math.Round(number * factor));
            }
        }

        return Number(value) is { } bytes ? checked((long)bytes) : throw new CliUsageException($"'{text}' is not a size (examples: 4GiB, 512MiB, 2G, 1500000000).");
    }

    /// <summary>The duration in <paramref name="text"/>: a number with ms/s/m/h/d, or a time span (<c>hh:mm:ss</c>).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        foreach (var (suffix, seconds) in TimeUnits)
        {
            if (value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && Number(value[..^suffix.Length]) is { } number)
            {
                return TimeSpan.FromSeconds(number * seconds);
            }
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new CliUsageException($"'{text}' is not a duration (examples: 30s, 5m, 1h, 00:01:00).");
    }

    private static double? Number(string text) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= 0 && double.IsFinite(number) ? number : null;
}
