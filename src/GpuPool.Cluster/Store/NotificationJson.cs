using System.Text.Json.Serialization;

namespace GpuPool.Cluster.Store;

/// <summary>The JSON of the pool channel's grant notices.</summary>
[JsonSerializable(typeof(LiveLeaseUsage))]
internal sealed partial class NotificationJson : JsonSerializerContext;
