using GpuPool.Server.TestHost;
using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Schema;
using GpuPool.Cluster.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace GpuPool.Cluster.Tests.Support;

/// <summary>One test's database with the cluster's schema, and the store parts over it.</summary>
internal sealed class Pool : IAsyncDisposable
{
    private Pool(NpgsqlDataSource database)
    {
        Database = database;
        Nodes = new NodeRegistry(database, NullLogger.Instance);
        Leases = new ClusterLeaseStore(database);
        Grants = new LeaseGrants(database);
    }

    public NpgsqlDataSource Database { get; }

    public NodeRegistry Nodes { get; }

    public ClusterLeaseStore Leases { get; }

    public LeaseGrants Grants { get; }

    public static async Task<Pool> CreateAsync(PostgresServer server, int? schemaVersion = null)
    {
        var database = NpgsqlDataSource.Create(await server.CreateDatabaseAsync(maxPoolSize: 80));
        await new ClusterMigrator(database, NullLogger.Instance).MigrateAsync(schemaVersion);
        return new Pool(database);
    }

    /// <summary>A connection listening on the pool's channel that adds every payload it receives to <paramref name="payloads"/> (read while waiting on it).</summary>
    public async Task<NpgsqlConnection> ListenAsync(List<string> payloads)
    {
        var listener = await Database.OpenConnectionAsync();
        listener.Notification += (_, e) => payloads.Add(e.Payload);
        await using var listen = new NpgsqlCommand("LISTEN gpupool_leases", listener);
        await listen.ExecuteNonQueryAsync();
        return listener;
    }

    public static DeviceDescriptor Gpu(string node, string id, int gib) => new()
    {
        Id = id,
        Node = node,
        Kind = DeviceKind.Gpu,
        Vendor = DeviceVendor.Unknown,
        Model = "sim",
        TotalMemoryBytes = ByteSize.GiB(gib),
        IsSimulated = true,
    };

    public static GrantPlan Share(string node, string device, int gib, int milli, string tenant = "alpha", string? requestId = null) => new()
    {
        LeaseId = "ls_" + Guid.NewGuid().ToString("N"),
        Tenant = tenant,
        Request = SliceRequest.ForShare(ByteSize.GiB(gib), milli) with { ClientRequestId = requestId },
        NodeId = node,
        DeviceIds = [device],
        MemoryBytes = ByteSize.GiB(gib),
        Milli = milli,
        WholeDevices = false,
        QuotaMemoryBytes = ByteSize.GiB(gib),
        QuotaMilli = milli,
        TimeToLive = TimeSpan.FromMinutes(5),
    };

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
