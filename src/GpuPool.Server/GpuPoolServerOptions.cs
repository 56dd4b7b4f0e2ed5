using System.ComponentModel.DataAnnotations;

namespace GpuPool.Server;

/// <summary>
/// The server's settings, bound from the configuration section <c>GpuPoolServer</c> (appsettings.json,
/// environment variables such as <c>GpuPoolServer__DetailedErrors</c>, or the command line) and validated at start-up.
/// The devices and the lease table are configured under <c>GpuPool:Runtime</c>, as in the embedded pool.
/// </summary>
public sealed class GpuPoolServerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "GpuPoolServer";

    /// <summary>
    /// Tenants by name, each with its API keys, role and quotas. With no tenants configured every caller is
    /// the tenant <see cref="AnonymousTenant"/> (a development setting; the server warns at start-up).
    /// </summary>
    public IDictionary<string, TenantOptions> Tenants { get; } = new Dictionary<string, TenantOptions>(StringComparer.Ordinal);

    /// <summary>The tenant every caller is when no tenants are configured.</summary>
    public const string AnonymousTenant = "anonymous";

    /// <summary>When true, internal errors carry their exception text to clients (never in production).</summary>
    public bool DetailedErrors { get; set; }

    /// <summary>The largest gRPC message accepted or sent, in bytes (tensors and model chunks).</summary>
    [Range(64 * 1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>The largest model that may be uploaded, in bytes (at most 2,000,000,000: uploads are held in memory).</summary>
    [Range(1024L, 2_000_000_000L)]
    public long MaxModelBytes { get; set; } = 1L << 30;

    /// <summary>How long one model upload may take from its first message to its last; a stalled upload is cut off with DEADLINE_EXCEEDED.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ModelUploadTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many bytes of uploaded models the content-addressed store keeps for re-use.</summary>
    [Range(0L, long.MaxValue)]
    public long ModelCacheBytes { get; set; } = 2L << 30;

    /// <summary>
    /// Whether the TorchScript add-on server (<c>GpuPool.Server.TorchScript</c>) accepts TorchScript models
    /// (libtorch loads on the first one). Default true; false leaves ONNX as the only format. The plain
    /// server carries no libtorch and refuses TorchScript models whatever this says.
    /// </summary>
    public bool TorchScript { get; set; } = true;

    /// <summary>Also listen on this Unix domain socket (HTTP/2), for clients on the same machine.</summary>
    public string? UnixSocketPath { get; set; }

    /// <summary>The most acquires one tenant may have waiting for capacity at once; more get RESOURCE_EXHAUSTED with a retry-after.</summary>
    [Range(1, 1_000_000)]
    public int MaxWaitingPerTenant { get; set; } = 1000;

    /// <summary>
    /// The most bytes the server holds for all clients at once: model uploads in flight, run inputs being
    /// processed, replies not yet read. More gets RESOURCE_EXHAUSTED (capacity-exceeded) with a retry-after.
    /// </summary>
    [Range(1L << 20, long.MaxValue)]
    public long ClientMemoryBytes { get; set; } = 4L << 30;

    /// <summary>
    /// The most of <see cref="ClientMemoryBytes"/> one tenant may hold (a tenant's own
    /// <see cref="TenantOptions.MaxClientMemoryBytes"/> wins); null for half of it. More gets
    /// RESOURCE_EXHAUSTED (quota-exceeded) with a retry-after.
    /// </summary>
    [Range(1L << 20, long.MaxValue)]
    public long? TenantClientMemoryBytes { get; set; }

    /// <summary>Admin calls one admin tenant may make a second on average (bursts of twice as many); more get RESOURCE_EXHAUSTED with a retry-after.</summary>
    [Range(1, 100_000)]
    public int AdminCallsPerSecond { get; set; } = 20;

    /// <summary>How many ended leases the server remembers, to tell a holder why its lease is gone.</summary>
    [Range(0, 10_000_000)]
    public int EndedLeaseMemory { get; set; } = 16_384;
}
