using System.Globalization;

namespace GpuPool.Dashboard.Views;

/// <summary>Figures as an operator reads them: sizes in binary units, compute in devices, times as ages.</summary>
internal static class Units
{
    private static readonly string[] Sizes = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Bytes(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Sizes.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {Sizes[unit]}");
    }

    /// <summary>Milli-units as devices: 250 → "0.25".</summary>
    public static string Devices(long milli) => (milli / 1000.0).ToString("0.##", CultureInfo.InvariantCulture);

    public static string Percent(long part, long whole) =>
        whole <= 0 ? "0%" : ((double)part / whole).ToString("0%", CultureInfo.InvariantCulture);

    public static string Span(TimeSpan span) => span switch
    {
        { TotalSeconds: < 0 } => "now",
        { TotalSeconds: < 60 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds} s"),
        { TotalMinutes: < 60 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min"),
    };

    /// <summary>Measured time: "0 s", "35 µs", "4.2 ms", "12.3 s" (small runs must not read as nothing).</summary>
    public static string Seconds(double seconds) => seconds switch
    {
        <= 0 => "0 s",
        < 0.001 => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6:0} µs"),
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:0.#} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s"),
    };

    /// <summary>A fraction as a whole percentage: 0.354 → "35%".</summary>
    public static string Fraction(double fraction) => fraction.ToString("0%", CultureInfo.InvariantCulture);

    /// <summary>What a page shows for a figure the device or server does not report.</summary>
    public const string NotReported = "—";

    public static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
