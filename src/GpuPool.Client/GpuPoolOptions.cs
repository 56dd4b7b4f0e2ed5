using System.ComponentModel.DataAnnotations;

namespace GpuPool;

/// <summary>
/// Client settings, bound from the configuration section <c>GpuPool</c>. With no <see cref="Server"/>
/// and no <see cref="Servers"/> the embedded pool is used (its engine settings are under <c>GpuPool:Runtime</c>).
/// </summary>
public sealed class GpuPoolOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "GpuPool";

    /// <summary>
    /// The pool server's address (<c>http://host:7070</c>, <c>https://…</c>, or <c>unix:/path/to.sock</c>), or a DNS
    /// name that resolves to every server of a pool (<c>dns:///pool.example:7070</c>); empty for the embedded pool.
    /// </summary>
    public string? Server { get; set; }

    /// <summary>
    /// The addresses of the servers of a pool (<c>GpuPool:Servers:0</c>, <c>GpuPool:Servers:1</c>, …; all
    /// <c>http://</c> or all <c>https://</c>), used with <see cref="Server"/> if that is set too. Acquires go to
    /// any server that answers; each lease's model calls go to the server that owns it.
    /// </summary>
    public IList<string> Servers { get; } = [];

    /// <summary>The API key sent to the server.</summary>
    public string? ApiKey { get; set; }

    /// <summary>A file that holds the API key (a mounted secret); used when <see cref="ApiKey"/> is empty.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>
    /// Whether the client keeps its leases alive while it runs (renewing them every
    /// <see cref="KeepAliveInterval"/>). With it off, a lease lapses after its time-to-live unless
    /// <see cref="GpuLease.RenewAsync"/> is called.
    /// </summary>
    public bool KeepAlive { get; set; } = true;

    /// <summary>How often the client renews its leases.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest message the client sends or accepts, in bytes (model chunks and tensors).</summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// Model runs whose request is at most this many bytes share one long-lived stream per server (replies matched
    /// by call id), which saves the cost of a call per run; larger runs are calls of their own, so that a large
    /// tensor never holds up small runs behind it. 0 sends every run as a call of its own. Default 64 KiB.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int RunStreamMaxBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Model runs whose input tensors total at least this many bytes are sent as one HTTP/1.1 request each, their
    /// tensors as raw bytes, when the server offers that path (it says so itself; docs/protocol.md, "Bulk runs"):
    /// several times faster than gRPC for tensors of MiBs. Smaller runs, and every run when the path cannot be
    /// reached, go over gRPC. 0 sends every run over gRPC. Default 256 KiB.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int BulkRunMinBytes { get; set; } = 256 * 1024;

    /// <summary>True when a server (or a pool of them) is configured.</summary>
    public bool IsRemote => !string.IsNullOrWhiteSpace(Server) || Servers.Any(s => !string.IsNullOrWhiteSpace(s));
}
