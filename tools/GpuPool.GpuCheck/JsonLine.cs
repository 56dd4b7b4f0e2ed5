using System.Text;
using System.Text.Json;

namespace GpuPool.GpuCheck;

/// <summary>Writes one JSON object per line on stdout (trim-safe: no reflection).</summary>
internal static class JsonLine
{
    /// <summary>Where lines go (stdout; tests capture them).</summary>
    public static TextWriter Output { get; set; } = Console.Out;

    public static void Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        Output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        Output.Flush();
    }

    public static void WriteNumbers(this Utf8JsonWriter writer, string name, IEnumerable<double> values, int digits)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteNumberValue(Math.Round(value, digits));
        }

        writer.WriteEndArray();
    }
}
