using System.Data.Common;

namespace GpuPool.Cluster.Store;

/// <summary>Reads rows in the column order of <see cref="LeaseSql"/>'s queries.</summary>
internal static class LeaseReader
{
    public static ClusterLease Read(DbDataReader reader) => new()
    {
        LeaseId = reader.GetString(0),
        Tenant = reader.GetString(1),
        NodeId = reader.GetString(2),
        NodeEpoch = reader.GetInt64(3),
        NodeAddress = reader.GetString(4),
        DeviceIds = reader.GetFieldValue<string[]>(5),
        MemoryBytes = reader.GetInt64(6),
        Milli = reader.GetInt32(7),
        CpuMilli = reader.GetInt32(8),
        HostMemoryBytes = reader.GetInt64(9),
        Priority = reader.GetInt32(10),
        TimeToLive = TimeSpan.FromMilliseconds(reader.GetInt64(11)),
        GrantedAt = reader.GetFieldValue<DateTimeOffset>(12),
        ExpiresAt = reader.GetFieldValue<DateTimeOffset>(13),
        FencingToken = reader.GetInt64(14),
        ClientRequestId = reader.IsDBNull(15) ? null : reader.GetString(15),
        IsLive = reader.GetBoolean(16),
        EndReason = reader.IsDBNull(17) ? LeaseLostReason.None : (LeaseLostReason)reader.GetInt32(17),
        WholeDevices = reader.GetBoolean(18),
        Isolation = (LeaseIsolation)reader.GetInt32(19),
        HardCap = reader.GetBoolean(20),
    };

    /// <summary>Reads a row of <see cref="LeaseSql.Pool"/>.</summary>
    public static PoolDevice ReadDevice(DbDataReader reader)
    {
        var node = reader.GetString(0);
        var descriptor = new DeviceDescriptor
        {
            Node = node,
            Id = reader.GetString(3),
            Kind = (DeviceKind)reader.GetInt32(4),
            Vendor = (DeviceVendor)reader.GetInt32(5),
            Model = reader.GetString(6),
            TotalMemoryBytes = reader.GetInt64(7),
        };
        return new PoolDevice(node, reader.GetString(1), reader.GetInt64(2), descriptor, reader.GetBoolean(8), reader.GetInt64(9), (int)reader.GetInt64(10), (int)reader.GetInt64(11),
            reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15));
    }

    /// <summary>Runs a query of <see cref="LeaseSql"/> that returns lease rows and reads them all.</summary>
    public static async Task<IReadOnlyList<ClusterLease>> ReadAllAsync(Npgsql.NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var command = Sql.Command(connection, sql, parameters);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        List<ClusterLease> leases = [];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            leases.Add(Read(reader));
        }

        return leases;
    }
}
