using Microsoft.Extensions.Logging;

namespace GpuPool.Server.SharedMemory;

/// <summary>Log messages of the shared-memory path; event ids 2950-2969 of GpuPool.Server's range.</summary>
internal static partial class SharedMemoryLog
{
    [LoggerMessage(EventId = 2950, EventName = "SharedMemoryRegistered", Level = LogLevel.Debug, Message = "Lease {LeaseId} registered shared-memory region {Region} of {Bytes} bytes (sealed: {Sealed})")]
    public static partial void Registered(ILogger logger, string leaseId, string region, long bytes, bool @sealed);

    [LoggerMessage(EventId = 2951, EventName = "SharedMemoryUnregistered", Level = LogLevel.Debug, Message = "Lease {LeaseId} unregistered shared-memory region {Region}")]
    public static partial void Unregistered(ILogger logger, string leaseId, string region);
}
