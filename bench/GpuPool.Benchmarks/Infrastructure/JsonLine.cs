using System.Text.Json;

namespace GpuPool.Benchmarks.Infrastructure;

/// <summary>Prints a benchmark's result as one JSON object on one line.</summary>
internal static class JsonLine
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static void Write(IReadOnlyDictionary<string, object?> fields) =>
        Console.WriteLine(JsonSerializer.Serialize(fields, Options));
}
