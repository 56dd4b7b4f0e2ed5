using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>A run's reply waiting to be written, with the client memory it holds until then.</summary>
internal sealed record QueuedReply(V1.RunResponse Response, ClientMemoryReservation Held);
