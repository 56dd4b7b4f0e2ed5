namespace GpuPool.Dashboard;

/// <summary>One pool: a name, the address of each of its servers (a cluster has several) and an admin key to read it with.</summary>
internal sealed class PoolOptions
{
    public string Name { get; set; } = "";

    /// <summary>gRPC addresses of the pool's servers, tried in order until one answers.</summary>
    public IList<string> Addresses { get; } = [];

    /// <summary>An API key of the admin role on the pool, used to read its state.</summary>
    public string? AdminKey { get; set; }

    /// <summary>A file holding that key (a mounted secret), read at start-up.</summary>
    public string? AdminKeyFile { get; set; }

    /// <summary>The key from <see cref="AdminKey"/> or <see cref="AdminKeyFile"/>.</summary>
    public string? ResolveAdminKey() =>
        !string.IsNullOrEmpty(AdminKey) ? AdminKey
        : !string.IsNullOrEmpty(AdminKeyFile) && File.Exists(AdminKeyFile) ? File.ReadAllText(AdminKeyFile).Trim()
        : null;
}
