namespace GpuPool.Cluster;

/// <summary>
/// <c>GpuPool:Cluster</c>: one pool across many servers, its state of record in PostgreSQL. Absent (no
/// connection string source), the server is a single-server pool as before.
/// </summary>
internal sealed class ClusterOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "GpuPool:Cluster";

    /// <summary>The Npgsql connection string, inline (prefer the file or the environment variable for secrets).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A file whose (trimmed) content is the connection string (a mounted secret).</summary>
    public string? ConnectionStringFile { get; set; }

    /// <summary>The name of an environment variable that holds the connection string.</summary>
    public string? ConnectionStringVariable { get; set; }

    /// <summary>This node's identity in the pool; stable across restarts of the same machine (defaults to the engine's node name).</summary>
    public string? NodeId { get; set; }

    /// <summary>The address clients reach this node at (<c>http://host:port</c>); named in grants and in the owner trailer.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>How often the node writes its heartbeat and reconciles its leases.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a node may stay silent before the others declare it dead and end its leases.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long after its last confirmed heartbeat a node still serves its leases. Must be shorter than
    /// <see cref="Grace"/>: the node stops before the others may declare it dead and grant its capacity again.
    /// </summary>
    public TimeSpan LeaseConfirmTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How long a client should wait before retrying when the database cannot be reached.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an ended lease stays in the pool's table (so that its holder can still learn how it ended) before the
    /// servers delete it. At least <see cref="Grace"/>.
    /// </summary>
    public TimeSpan EndedLeaseRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether the cluster is configured at all (any connection string source set).</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(ConnectionString) || !string.IsNullOrWhiteSpace(ConnectionStringFile) || !string.IsNullOrWhiteSpace(ConnectionStringVariable);

    /// <summary>Reads the connection string from whichever source is set.</summary>
    /// <exception cref="InvalidOperationException">The file or variable named holds nothing.</exception>
    public string ResolveConnectionString()
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            return ConnectionString;
        }

        if (!string.IsNullOrWhiteSpace(ConnectionStringFile))
        {
            var text = File.ReadAllText(ConnectionStringFile).Trim();
            return text.Length > 0 ? text : throw new InvalidOperationException($"{SectionName}:ConnectionStringFile '{ConnectionStringFile}' is empty.");
        }

        var value = Environment.GetEnvironmentVariable(ConnectionStringVariable!);
        return !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new InvalidOperationException($"{SectionName}:ConnectionStringVariable names '{ConnectionStringVariable}', which is not set.");
    }
}
