using System.Globalization;
using System.Text;

namespace GpuPool.Dashboard.Views;

/// <summary>A trend as the points of an SVG polyline in a 120 × 24 box (gaps where the pool was down are drawn at 0).</summary>
internal static class Sparkline
{
    public const int Width = 120;
    public const int Height = 24;

    public static string Points(IReadOnlyList<double?> values)
    {
        if (values.Count < 2)
        {
            return "";
        }

        var max = Math.Max(1, values.Max(v => v ?? 0));
        var text = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            var x = (double)i / (values.Count - 1) * Width;
            var y = Height - ((values[i] ?? 0) / max * (Height - 2)) - 1;
            text.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
        }

        return text.ToString().TrimEnd();
    }
}
