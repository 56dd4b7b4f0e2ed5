using System.Globalization;

namespace GpuPool;

/// <summary>Helpers for byte quantities.</summary>
public static class ByteSize
{
    /// <summary>Bytes in one mebibyte.</summary>
    public const long BytesPerMiB = 1024L * 1024;

    /// <summary>Bytes in one gibibyte.</summary>
    public const long BytesPerGiB = 1024L * 1024 * 1024;

    /// <summary><paramref name="mebibytes"/> MiB in bytes.</summary>
    public static long MiB(long mebibytes) => checked(mebibytes * BytesPerMiB);

    /// <summary><paramref name="gibibytes"/> GiB in bytes (fractions allowed).</summary>
    public static long GiB(double gibibytes) => checked((long)(gibibytes * BytesPerGiB));

    /// <summary>Formats a byte count for people (<c>1.5 GiB</c>, <c>512 MiB</c>).</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= BytesPerGiB => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)BytesPerGiB:0.##} GiB"),
        >= BytesPerMiB => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)BytesPerMiB:0.##} MiB"),
        >= 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.##} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
