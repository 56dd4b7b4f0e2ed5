using System.Globalization;
using System.Text;

namespace GpuPool.Server.Errors;

/// <summary>
/// The one place where text a client chose (ids, names, messages that quote them) is made safe to put in a
/// log line or an error message: cut to a bounded length and with every control, format or line-separator
/// character escaped, so that a client can neither write megabyte log lines, nor forge a log line with a
/// newline, nor make a status too large for the HTTP/2 trailers.
/// </summary>
internal static class ClientText
{
    /// <summary>The most characters of one client value that reach a log or an error message.</summary>
    public const int MaxValueLength = 256;

    /// <summary>The most characters of an error message sent to a client.</summary>
    public const int MaxMessageLength = 2048;

    /// <summary>A client value for a log or a message: at most <see cref="MaxValueLength"/> characters of it, escaped.</summary>
    public static string Scrub(string? value) => Scrub(value, MaxValueLength);

    /// <summary>Escapes control characters and cuts <paramref name="value"/> to <paramref name="maxLength"/> characters, saying how long it was.</summary>
    public static string Scrub(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value.Length <= maxLength && !HasUnsafeCharacters(value))
        {
            return value;
        }

        var text = new StringBuilder(Math.Min(value.Length, maxLength) + 32);
        var length = Math.Min(value.Length, maxLength);
        for (var i = 0; i < length; i++)
        {
            var c = value[i];
            if (IsPair(value, i) && i + 1 < length)
            {
                text.Append(c).Append(value[++i]);
            }
            else if (IsUnsafe(c))
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                text.Append(c);
            }
        }

        if (value.Length > maxLength)
        {
            text.Append(CultureInfo.InvariantCulture, $"…({value.Length} chars)");
        }

        return text.ToString();
    }

    /// <summary>True when <paramref name="value"/> has a character that <see cref="Scrub(string?)"/> would escape.</summary>
    public static bool HasUnsafeCharacters(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            if (IsPair(value, i))
            {
                i++;
            }
            else if (IsUnsafe(value[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPair(string value, int i) =>
        char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);

    // Controls (newlines, NUL, ESC), format characters (bidi overrides) and line/paragraph separators can
    // rewrite what a log line appears to say; lone surrogates (pairs are skipped above) break encoders.
    private static bool IsUnsafe(char c) =>
        char.IsSurrogate(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
