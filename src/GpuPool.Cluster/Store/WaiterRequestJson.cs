using System.Text.Json.Serialization;

namespace GpuPool.Cluster.Store;

/// <summary>A waiting request as the queue's row stores it (any server may place it).</summary>
[JsonSerializable(typeof(SliceRequest))]
internal sealed partial class WaiterRequestJson : JsonSerializerContext;
