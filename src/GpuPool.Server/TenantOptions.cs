using System.ComponentModel.DataAnnotations;

namespace GpuPool.Server;

/// <summary>One tenant: how its callers prove who they are, what they may do and how much they may hold.</summary>
public sealed class TenantOptions
{
    /// <summary>SHA-256 hashes (hex) of the tenant's API keys. Keys themselves are never configured in plain text here.</summary>
    public IList<string> ApiKeySha256 { get; } = [];

    /// <summary>A file whose content (trimmed) is an API key of the tenant (a mounted secret).</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>An environment variable whose value is an API key of the tenant.</summary>
    public string? ApiKeyEnvironmentVariable { get; set; }

    /// <summary>Whether the tenant's callers may use the admin service (all leases, drain, revoke).</summary>
    public bool Admin { get; set; }

    /// <summary>The most device memory the tenant may hold over all its leases, in bytes; null for no limit.</summary>
    [Range(1L, long.MaxValue)]
    public long? MaxMemoryBytes { get; set; }

    /// <summary>The most compute the tenant may hold over all its leases, in milli-units (1000 = one device); null for no limit.</summary>
    [Range(1L, long.MaxValue)]
    public long? MaxComputeMilli { get; set; }

    /// <summary>The most leases the tenant may hold at once; null for no limit.</summary>
    [Range(1, int.MaxValue)]
    public int? MaxLeases { get; set; }

    /// <summary>
    /// The most bytes the server may hold for this tenant's calls at once (uploads, inputs, unread replies);
    /// null for <see cref="GpuPoolServerOptions.TenantClientMemoryBytes"/>.
    /// </summary>
    [Range(1L << 20, long.MaxValue)]
    public long? MaxClientMemoryBytes { get; set; }
}
