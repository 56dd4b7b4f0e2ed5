namespace GpuPool.Server.Bulk;

/// <summary>
/// The bulk run path (docs/protocol.md, "Bulk runs"), bound from <c>GpuPoolServer:Bulk</c>: runs with large tensors as
/// one HTTP/1.1 POST each on the server's HTTP port, which the SDK uses by itself for such runs.
/// </summary>
internal sealed class BulkRunOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = GpuPoolServerOptions.SectionName + ":Bulk";

    /// <summary>Whether the server takes bulk runs (and tells clients where). Default true; false leaves every run on gRPC.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The Unix socket (HTTP/1.1) for bulk runs of clients that reach the server over its Unix socket; null for
    /// <c>GpuPoolServer:UnixSocketPath</c> with <c>.bulk</c> appended (when that is set), empty for none.
    /// </summary>
    public string? UnixSocketPath { get; set; }

    /// <summary>
    /// What the server tells clients instead of the HTTP endpoint it finds in the Kestrel configuration (a server
    /// behind a port mapping): <c>http://*:PORT</c>, <c>https://HOST:PORT</c> or <c>unix:PATH</c>, comma-separated.
    /// </summary>
    public string? AdvertisedEndpoints { get; set; }

    /// <summary>
    /// The raw TCP bulk port (docs/protocol.md, "Bulk runs over raw TCP"): runs framed without HTTP, received straight
    /// into the run's buffer. Null (default) for none, 0 for any free port. It binds where the HTTP endpoint binds and
    /// has no TLS: a server whose endpoints use https refuses to start with it.
    /// </summary>
    public int? TcpPort { get; set; }

    /// <summary>How long the raw TCP bulk port keeps a connection that carries no run (default 2 minutes).</summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many connections the raw TCP bulk port holds at once; more are closed when they arrive (default 1,024).</summary>
    public int TcpMaxConnections { get; set; } = 1024;
}
