using System.Text.Json;
using System.Text.Json.Serialization;

namespace GpuPool.Cluster.Store;

/// <summary>
/// What a live lease takes, as a server's view of the pool counts it: read with the pool, or announced on the
/// pool's channel when a batch grants it (<c>granted::{json}</c>, sent by <c>gpupool_grant_batch</c>).
/// </summary>
/// <param name="LeaseId">The lease.</param>
/// <param name="NodeId">The node that owns it.</param>
/// <param name="DeviceIds">Its devices on that node.</param>
/// <param name="MemoryBytes">Memory per device.</param>
/// <param name="Milli">Compute per device.</param>
/// <param name="CpuMilli">The node's CPU it takes, in milli-cores.</param>
/// <param name="HostMemoryBytes">The node's host memory it takes.</param>
/// <param name="ExpiresAtMs">When it expires by the database's clock, in Unix milliseconds, as granted or last read (a renewal
/// only makes it later); 0 when unknown.</param>
internal sealed record LiveLeaseUsage(
    [property: JsonPropertyName("l")] string LeaseId,
    [property: JsonPropertyName("n")] string NodeId,
    [property: JsonPropertyName("d")] string[] DeviceIds,
    [property: JsonPropertyName("m")] long MemoryBytes,
    [property: JsonPropertyName("c")] int Milli,
    [property: JsonPropertyName("u")] int CpuMilli = 0,
    [property: JsonPropertyName("h")] long HostMemoryBytes = 0,
    [property: JsonPropertyName("x")] long ExpiresAtMs = 0)
{
    /// <summary>The notice in a notification's lease part; null when it is not one.</summary>
    public static LiveLeaseUsage? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, NotificationJson.Default.LiveLeaseUsage);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
