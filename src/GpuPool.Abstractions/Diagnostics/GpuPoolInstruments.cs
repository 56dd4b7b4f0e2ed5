namespace GpuPool.Diagnostics;

/// <summary>Names of GpuPool's meters, activity sources and instruments (OpenTelemetry style: lower-case, dotted, units in the unit field).</summary>
public static class GpuPoolInstruments
{
    /// <summary>Meter and activity source of the runtime.</summary>
    public const string RuntimeMeter = "GpuPool.Runtime";

    /// <summary>Meter and activity source of the server.</summary>
    public const string ServerMeter = "GpuPool.Server";

    /// <summary>Meter and activity source of the SDK.</summary>
    public const string SdkMeter = "GpuPool.Sdk";

    /// <summary>Leases alive now ({lease}).</summary>
    public const string LeaseActive = "gpupool.lease.active";

    /// <summary>Leases granted ({lease}).</summary>
    public const string LeaseGranted = "gpupool.lease.granted";

    /// <summary>Lease requests rejected, tagged by reason ({request}).</summary>
    public const string LeaseRejected = "gpupool.lease.rejected";

    /// <summary>Leases lost (expired, revoked, ...), tagged by reason ({lease}).</summary>
    public const string LeaseLost = "gpupool.lease.lost";

    /// <summary>Time a granted request waited for capacity (s).</summary>
    public const string LeaseWaitDuration = "gpupool.lease.wait.duration";

    /// <summary>Device memory granted to leases (By).</summary>
    public const string DeviceMemoryAllocated = "gpupool.device.memory.allocated";

    /// <summary>Device memory used by models (By).</summary>
    public const string DeviceMemoryUsed = "gpupool.device.memory.used";

    /// <summary>Device compute granted to leases ({milli}).</summary>
    public const string DeviceComputeAllocated = "gpupool.device.compute.allocated";

    /// <summary>Execution time of model runs on the device (s).</summary>
    public const string ModelRunDuration = "gpupool.model.run.duration";

    /// <summary>Models loaded now ({model}).</summary>
    public const string ModelLoaded = "gpupool.model.loaded";

    /// <summary>Duration of gRPC calls handled by the server, tagged by method and status code (s).</summary>
    public const string ServerRequestDuration = "gpupool.server.request.duration";

    /// <summary>Client session streams open on the server now ({session}).</summary>
    public const string ServerSessionsActive = "gpupool.server.sessions.active";
}
