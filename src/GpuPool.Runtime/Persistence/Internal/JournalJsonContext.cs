using System.Text.Json.Serialization;

namespace GpuPool.Runtime.Persistence.Internal;

/// <summary>Source-generated JSON for the journal's request and device-list columns.</summary>
[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SliceRequest))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(ModelOptions))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
