namespace GpuPool.Diagnostics;

/// <summary>Names of GpuPool's meters, activity sources and instruments (OpenTelemetry style: lower-case, dotted, units in the unit field).</summary>
public static class GpuPoolInstruments
{
    /// <summary>Meter and activity source of the runtime.</summary>
    public const string RuntimeMeter = "GpuPool.Runtime";

    /// <summary>Meter and activity source of the server.</summary>
    public const string ServerMeter = "GpuPool.Server";

    /// <summary>Meter and activity source of the SDK (the remote client).</summary>
    public const string SdkMeter = "GpuPool.Sdk";

    /// <summary>Activity source of the <c>gpupool</c> command line.</summary>
    public const string CliSource = "GpuPool.Cli";

    /// <summary>Histogram bucket bounds for durations in seconds (0.5 ms to 10 s), given to every duration histogram as advice.</summary>
    public static IReadOnlyList<double> DurationBuckets { get; } = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Span: acquiring a lease (client, server, and the engine's placement).</summary>
    public const string AcquireSpan = "gpupool.lease.acquire";

    /// <summary>Span: placing a slice on the devices (engine).</summary>
    public const string PlacementSpan = "gpupool.placement";

    /// <summary>Span: writing a grant to the lease journal (engine).</summary>
    public const string JournalSpan = "gpupool.journal.write";

    /// <summary>Span: loading a model into a lease (client).</summary>
    public const string LoadSpan = "gpupool.model.load";

    /// <summary>Span: one model run (client and engine), with its queue wait and execution as child spans in the engine.</summary>
    public const string RunSpan = "gpupool.model.run";

    /// <summary>Span: a run waiting for its device's scheduler (engine).</summary>
    public const string QueueWaitSpan = "gpupool.run.queue";

    /// <summary>Span: a run executing on the device (engine).</summary>
    public const string ExecuteSpan = "gpupool.run.execute";

    /// <summary>Tag: the tenant.</summary>
    public const string TenantTag = "gpupool.tenant";

    /// <summary>Tag: the device id.</summary>
    public const string DeviceTag = "gpupool.device";

    /// <summary>Tag: why something was rejected or lost.</summary>
    public const string ReasonTag = "gpupool.reason";

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

    /// <summary>Device memory granted to leases per tenant, over all its leases (By).</summary>
    public const string TenantMemoryAllocated = "gpupool.tenant.memory.allocated";

    /// <summary>Device compute granted to leases per tenant, over all its leases ({milli}).</summary>
    public const string TenantComputeAllocated = "gpupool.tenant.compute.allocated";

    /// <summary>Measured execution time of a tenant's model runs: compute-seconds used (s).</summary>
    public const string TenantComputeUsed = "gpupool.tenant.compute.used";

    /// <summary>Model runs executed ({run}).</summary>
    public const string ModelRuns = "gpupool.model.runs";

    /// <summary>Time a model run waited for its device's scheduler before executing (s).</summary>
    public const string RunQueueDuration = "gpupool.run.queue.duration";

    /// <summary>Model runs refused by a device's scheduler (its queue full), tagged by reason ({run}).</summary>
    public const string RunRejected = "gpupool.run.rejected";

    /// <summary>Time a device spent executing runs (s); its rate against the compute allocated shows busy vs allocated.</summary>
    public const string DeviceBusyTime = "gpupool.device.busy.time";

    /// <summary>Duration of gRPC calls handled by the server, tagged by method and status code (s).</summary>
    public const string ServerRequestDuration = "gpupool.server.request.duration";

    /// <summary>Client session streams open on the server now ({session}).</summary>
    public const string ServerSessionsActive = "gpupool.server.sessions.active";
}
